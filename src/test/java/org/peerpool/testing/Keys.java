package org.peerpool.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * PKCS#12 keystores for TLS tests, made with the JDK's {@code keytool} exactly as an
 * operator would (DESIGN.md A4 keygen), and their pins computed here from the
 * certificate, independently of the main code's {@code KeyPin}, so a wrong pin
 * formula in main cannot agree with itself.
 *
 * <p>keytool costs about half a second of CPU a key, so every key is made once per JVM
 * (surefire reuses its fork for all test classes) and looked up by name; tests copy the
 * file next to their own INI, where {@code keystore = ...} names it relatively.
 */
public final class Keys {

    public static final String PASSWORD = "changeit-test";

    /** One key pair with its self-signed certificate, as a keystore file and its parts. */
    public record Key(String name, Path file, String password, X509Certificate certificate, PrivateKey privateKey,
                      String pin) {

        /** Copies the keystore to {@code target} (replacing what is there: a rotation overwrites in place). */
        public Path copyTo(Path target) throws IOException {
            Files.write(target, Files.readAllBytes(file));
            return target;
        }

        public byte[] bytes() throws IOException {
            return Files.readAllBytes(file);
        }
    }

    private static final Map<String, Key> CACHE = new ConcurrentHashMap<>();
    private static volatile Path dir;

    private Keys() {
    }

    /** The key called {@code name}, made on first use in this JVM. */
    public static Key get(String name) {
        return CACHE.computeIfAbsent(name, Keys::make);
    }

    /** Makes several keys at once, two keytool processes at a time (the machine has two cores). */
    public static void prepare(String... names) {
        Stream.of(names).parallel().forEach(Keys::get);
    }

    /** {@code sha256/} + Base64 of the SHA-256 of the certificate's DER SubjectPublicKeyInfo (PROTOCOL.md 7). */
    public static String pinOf(X509Certificate cert) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(cert.getPublicKey().getEncoded());
            return "sha256/" + Base64.getEncoder().encodeToString(digest);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Key make(String name) {
        try {
            Path f = dir().resolve(name + ".p12");
            Process p = new ProcessBuilder(keytool(), "-genkeypair", "-keyalg", "EC", "-groupname", "secp256r1",
                    "-sigalg", "SHA256withECDSA", "-storetype", "PKCS12", "-alias", "node", "-dname", "CN=" + name,
                    "-validity", "3650", "-keystore", f.toString(), "-storepass", PASSWORD, "-keypass", PASSWORD)
                    .redirectErrorStream(true).start();
            String out;
            try (InputStream in = p.getInputStream()) {
                out = new String(in.readAllBytes());
            }
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("keytool failed for " + name + ": " + out);
            }
            KeyStore ks = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(f)) {
                ks.load(in, PASSWORD.toCharArray());
            }
            X509Certificate cert = (X509Certificate) ks.getCertificate("node");
            PrivateKey key = (PrivateKey) ks.getKey("node", PASSWORD.toCharArray());
            return new Key(name, f, PASSWORD, cert, key, pinOf(cert));
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("making key " + name, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted making key " + name, e);
        }
    }

    /** The keytool of the JDK running the tests, so it matches the JVM that reads its files. */
    private static String keytool() {
        Path t = Path.of(System.getProperty("java.home"), "bin", "keytool");
        return Files.isExecutable(t) ? t.toString() : "keytool";
    }

    private static synchronized Path dir() throws IOException {
        if (dir == null) {
            Path d = Files.createTempDirectory("peerpool-keys");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteQuietly(d)));
            dir = d;
        }
        return dir;
    }

    private static void deleteQuietly(Path d) {
        try (Stream<Path> s = Files.walk(d)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temp dir left behind is harmless
        }
    }
}
