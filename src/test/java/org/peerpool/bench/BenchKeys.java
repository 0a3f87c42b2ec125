package org.peerpool.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.peerpool.config.ConfigLoader;
import org.peerpool.config.NodeConfig;
import org.peerpool.testing.Ini;
import org.peerpool.tls.KeyPin;
import org.peerpool.tls.LocalKey;
import org.peerpool.wire.NodeAddress;

/**
 * Keys and TLS configs for the benchmark's TLS rows: keystores made by the JDK's
 * keytool exactly as {@code bin/peerpool keygen} makes them (EC P-256, self-signed,
 * PKCS#12), their pins read back through {@link LocalKey}, and node configs written as
 * the INI text an operator would save and loaded by {@link ConfigLoader}, so the TLS
 * agents run the configuration path operators use.
 */
final class BenchKeys {

    /** One keystore: its file, password and pin. */
    record Key(Path file, String password, KeyPin pin) {
    }

    private BenchKeys() {
    }

    static Key make(Path dir, String name) throws Exception {
        return make(dir, name, randomPassword());
    }

    /** A password as {@link #make(Path, String)} draws one, for keystores that must share it. */
    static String randomPassword() {
        byte[] random = new byte[16];
        new SecureRandom().nextBytes(random);
        return HexFormat.of().formatHex(random);
    }

    /** A keystore under {@code password} (two keystores one node switches between share theirs). */
    static Key make(Path dir, String name, String password) throws Exception {
        return make(dir, name, password, false);
    }

    /** As {@link #make(Path, String)} with an Ed25519 key instead of EC P-256, to compare handshake costs. */
    static Key makeEd25519(Path dir, String name) throws Exception {
        return make(dir, name, randomPassword(), true);
    }

    private static Key make(Path dir, String name, String password, boolean ed25519) throws Exception {
        Files.createDirectories(dir);
        Path file = dir.resolve(name + ".p12");
        Files.deleteIfExists(file);
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        ProcessBuilder pb = new ProcessBuilder(keytool.toString(), "-genkeypair", "-noprompt", "-alias", name,
                "-validity", "3650", "-dname", "CN=peerpool bench " + name, "-storetype", "PKCS12", "-keystore",
                file.toString(), "-storepass:env", "BENCH_KS_PASSWORD").redirectErrorStream(true);
        pb.command().addAll(ed25519 ? List.of("-keyalg", "Ed25519")
                : List.of("-keyalg", "EC", "-groupname", "secp256r1", "-sigalg", "SHA256withECDSA"));
        pb.environment().put("BENCH_KS_PASSWORD", password);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("keytool failed for " + file + ": " + out);
        }
        return new Key(file, password, LocalKey.load(file, password.toCharArray()).pin());
    }

    /**
     * A {@code mode = required} node at {@code self} with its key {@code own}, every peer
     * pinned with {@code peerPin}; written to {@code dir/name.ini} and loaded from there.
     */
    static NodeConfig tlsConfig(Path dir, String name, NodeAddress self, List<NodeAddress> peers, KeyPin peerPin,
                                Key own) throws Exception {
        return tlsConfig(dir, name, self, peers, Collections.nCopies(peers.size(), peerPin), own);
    }

    /** As above, peer {@code i} pinned to {@code pins.get(i)}. */
    static NodeConfig tlsConfig(Path dir, String name, NodeAddress self, List<NodeAddress> peers, List<?> pins,
                                Key own) throws Exception {
        StringBuilder ini = new StringBuilder("; benchmark node ").append(name).append('\n')
                .append("[network]\nlocal_ip = ").append(NodeAddress.ipText(self.ip()))
                .append("\nport = ").append(self.port()).append('\n');
        for (int i = 0; i < peers.size(); i++) {
            ini.append("peer = ").append(peers.get(i)).append(' ').append(pins.get(i)).append('\n');
        }
        ini.append("[connection]\nreverse_dial_after_s = 0\n")
                .append("[tls]\nmode = required\nkeystore = ").append(own.file().toAbsolutePath())
                .append("\nkeystore_password = ").append(own.password()).append('\n');
        Path file = dir.resolve(name + ".ini");
        Ini.writeOwnerOnly(file, ini.toString()); // it holds keystore_password
        return ConfigLoader.load(file);
    }
}
