package org.peerpool.cli;

import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code bin/peerpool keygen} and {@code bin/peerpool pin} (DESIGN.md A4) as an operator
 * runs them, in a config directory whose path has a space: the keystore is its owner's
 * alone even under a permissive umask, a second keygen refuses and leaves the key
 * alone, and {@code pin} prints the pin computed here independently, from the
 * certificate {@code keytool -exportcert} gives and the SHA-256 of its
 * SubjectPublicKeyInfo.
 */
@Timeout(120)
class KeygenIT {

    private static final Path HOME = Path.of("").toAbsolutePath();
    private static final Pattern PASSWORD = Pattern.compile("(?m)^ {4}keystore_password = ([0-9a-f]{32})$");
    private static final Pattern PIN = Pattern.compile("(?m)^ {4}(sha256/[A-Za-z0-9+/]{43}=)$");

    @TempDir
    Path tmp;

    record Result(int exit, String out, String err) {
        String all() {
            return "exit " + exit + "\n" + out + err;
        }
    }

    /** Runs {@code command} under {@code sh -c} with umask 000, so only the script's own care protects the key. */
    private Result sh(Map<String, String> env, String... command) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("sh", "-c", "umask 000; exec \"$@\"", "sh"));
        cmd.addAll(List.of(command));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(tmp.toFile());
        pb.environment().putAll(env);
        Path out = Files.createTempFile(tmp, "out", ".txt");
        Path err = Files.createTempFile(tmp, "err", ".txt");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process p = pb.start();
        assertTrue(p.waitFor(100, TimeUnit.SECONDS), "finished: " + cmd);
        return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    private Result peerpool(Path conf, String command) throws Exception {
        return sh(Map.of("PEERPOOL_CONF", conf.toString()), HOME.resolve("bin/peerpool").toString(), command);
    }

    private static String group(Pattern p, String text) {
        Matcher m = p.matcher(text);
        assertTrue(m.find(), p + " in:\n" + text);
        return m.group(1);
    }

    @Test
    void keygenMakesAnOwnerOnlyKeyRefusesASecondAndPinPrintsItsPin() throws Exception {
        Path conf = Files.createDirectories(tmp.resolve("node conf"));
        Path ini = conf.resolve("peerpool.ini");
        Files.writeString(ini, "[network]\nlocal_ip = 127.0.0.1\nport = 7100\npeer = 127.0.0.2\n");

        Result noKey = peerpool(conf, "pin");
        assertEquals(1, noKey.exit(), noKey.all());
        assertTrue(noKey.err().contains("has no [tls] keystore"), noKey.all());

        Result made = peerpool(conf, "keygen");
        assertEquals(0, made.exit(), made.all());
        Path ks = conf.resolve("node.p12");
        assertEquals(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE),
                Files.getPosixFilePermissions(ks), "node.p12 is readable by its owner only");
        assertTrue(made.out().contains("    [tls]\n    mode = optional\n    keystore = node.p12\n"), made.all());
        assertTrue(made.out().contains("readable by its owner only too"), made.all());
        String password = group(PASSWORD, made.out());
        String printedPin = group(PIN, made.out());
        try (var files = Files.list(conf)) {
            assertEquals(Set.of("peerpool.ini", "node.p12"),
                    Set.copyOf(files.map(f -> f.getFileName().toString()).toList()), "no temporary file left");
        }

        byte[] key = Files.readAllBytes(ks);
        Result again = peerpool(conf, "keygen");
        assertEquals(1, again.exit(), again.all());
        assertTrue(again.err().contains("already exists"), again.all());
        assertArrayEquals(key, Files.readAllBytes(ks), "the existing key is untouched");

        Files.writeString(ini, Files.readString(ini) + "[tls]\nmode = optional\nkeystore = node.p12\n"
                + "keystore_password = " + password + "\n");
        // As keygen says: the INI now holds the password, and the node refuses it until chmod 600.
        Result exposed = peerpool(conf, "pin");
        assertEquals(1, exposed.exit(), exposed.all());
        assertTrue(exposed.err().contains("readable by group or others") && exposed.err().contains("chmod 600 '" + ini
                + "'"), exposed.all());
        assertTrue(!exposed.all().contains(password), "the password is not shown:\n" + exposed.all());
        Files.setPosixFilePermissions(ini, Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE));
        Result pin = peerpool(conf, "pin");
        assertEquals(0, pin.exit(), pin.all());
        String expected = spkiPin(ks, password);
        assertEquals(expected, pin.out().strip(), "pin of the keystore in force");
        assertEquals(expected, printedPin, "keygen printed the same pin");
    }

    @Test
    void onTheSampleFileKeygenGivesTheLinesForItsTlsSectionAndTheEditedFileLoads() throws Exception {
        Path conf = Files.createDirectories(tmp.resolve("sample conf"));
        Path ini = conf.resolve("peerpool.ini");
        Files.copy(HOME.resolve("etc/peerpool.ini"), ini);
        Result made = peerpool(conf, "keygen");
        assertEquals(0, made.exit(), made.all());
        assertTrue(made.out().contains("In the [tls] section of"), made.all());
        assertTrue(!made.out().contains("    [tls]"), "no second [tls] header to paste:\n" + made.all());
        String lines = "mode = optional\nkeystore = node.p12\nkeystore_password = " + group(PASSWORD, made.out()) + "\n";
        String sample = Files.readString(ini);
        assertTrue(sample.contains("\nmode = off\n"), "the sample's [tls] has mode = off");
        // What the operator is told: those lines in place of the section's mode line, and chmod 600.
        Files.writeString(ini, sample.replace("\nmode = off\n", "\n" + lines));
        Files.setPosixFilePermissions(ini, Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE));
        Result pin = peerpool(conf, "pin");
        assertEquals(0, pin.exit(), "the edited sample file loads: " + pin.all());
        assertEquals(group(PIN, made.out()), pin.out().strip());
    }

    /** The pin of the keystore's certificate, from keytool's DER export and this test's own SHA-256. */
    private String spkiPin(Path ks, String password) throws Exception {
        Path der = tmp.resolve("cert.der");
        ProcessBuilder pb = new ProcessBuilder(keytool(), "-exportcert", "-alias", "peerpool", "-keystore",
                ks.toString(), "-storetype", "PKCS12", "-storepass:env", "KS_PASSWORD", "-file", der.toString());
        pb.environment().put("KS_PASSWORD", password);
        Process p = pb.redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "keytool finished");
        assertEquals(0, p.exitValue(), out);
        X509Certificate cert = (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(Files.readAllBytes(der)));
        assertEquals(256, ((ECPublicKey) cert.getPublicKey()).getParams().getCurve().getField().getFieldSize(),
                "an EC P-256 key");
        // getEncoded() of an X.509 public key is its DER SubjectPublicKeyInfo.
        byte[] spki = cert.getPublicKey().getEncoded();
        return "sha256/" + Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(spki));
    }

    private static String keytool() {
        Path java = Path.of(System.getProperty("java.home"), "bin", "keytool");
        return Files.isExecutable(java) ? java.toString() : "keytool";
    }
}
