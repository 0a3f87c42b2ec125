package org.peerpool.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * OpenSSL's own cost of the handshake peerpool makes, as the baseline of the TLS
 * handshake rows: {@code openssl s_time -new} (a full TLS 1.3 handshake per connection,
 * one after another, no payload) against {@code openssl s_server -tls1_3 -Verify 1} (a
 * client certificate required), both on loopback with the bench's EC P-256 keys
 * exported from their keystores. The figure is wall time per handshake: s_time's
 * connection count over the time its process ran.
 */
final class OpensslTime {

    /** Handshakes done in {@code wallSeconds}; or why none could be measured. */
    record Result(long handshakes, double wallSeconds, String version, String missing) {
        double msEach() {
            return wallSeconds * 1000 / handshakes;
        }
    }

    private static final Pattern COUNT = Pattern.compile("(\\d+) connections in [\\d.]+s;");

    private OpensslTime() {
    }

    static Result measure(Path dir, BenchKeys.Key server, BenchKeys.Key client, InetAddress ip, int port, int seconds)
            throws Exception {
        String version;
        try {
            version = run(dir, List.of("openssl", "version"), 10).trim();
        } catch (IOException e) {
            return new Result(0, 0, "", "openssl is not on the PATH (" + e.getMessage() + ")");
        }
        Path serverPem = pem(dir, server, "openssl-server.pem");
        Path clientPem = pem(dir, client, "openssl-client.pem");
        String hostPort = ip.getHostAddress() + ":" + port;
        Process s = new ProcessBuilder("openssl", "s_server", "-accept", hostPort, "-cert", serverPem.toString(),
                "-key", serverPem.toString(), "-tls1_3", "-Verify", "1", "-quiet")
                .redirectErrorStream(true).redirectOutput(dir.resolve("openssl-s_server.log").toFile()).start();
        try {
            awaitListening(ip, port, s);
            long t0 = System.nanoTime();
            String out = run(dir, List.of("openssl", "s_time", "-connect", hostPort, "-new", "-time",
                    Integer.toString(seconds), "-cert", clientPem.toString(), "-key", clientPem.toString()), seconds + 30);
            double wall = (System.nanoTime() - t0) / 1e9;
            Matcher m = COUNT.matcher(out);
            if (!m.find() || Long.parseLong(m.group(1)) == 0) {
                throw new IOException("openssl s_time made no connection: " + out);
            }
            return new Result(Long.parseLong(m.group(1)), wall, version, null);
        } finally {
            s.destroy();
            s.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** The key and its certificate as one PEM file, as openssl takes them. */
    private static Path pem(Path dir, BenchKeys.Key key, String name) throws Exception {
        Path out = dir.resolve(name);
        run(dir, List.of("openssl", "pkcs12", "-in", key.file().toString(), "-passin", "pass:" + key.password(),
                "-nodes", "-out", out.toString()), 30);
        return out;
    }

    private static void awaitListening(InetAddress ip, int port, Process server) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try (Socket probe = new Socket()) {
                probe.connect(new InetSocketAddress(ip, port), 1000);
                return;
            } catch (IOException notYet) {
                if (!server.isAlive() || System.nanoTime() > deadline) {
                    throw new IOException("openssl s_server did not listen on " + ip.getHostAddress() + ":" + port);
                }
                Thread.sleep(20);
            }
        }
    }

    /** Runs {@code cmd}, returns its output; fails on a non-zero exit. */
    private static String run(Path dir, List<String> cmd, int timeoutS) throws Exception {
        Path log = Files.createTempFile(dir, "openssl", ".out");
        Process p = new ProcessBuilder(new ArrayList<>(cmd)).redirectErrorStream(true).redirectOutput(log.toFile())
                .start();
        if (!p.waitFor(timeoutS, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", cmd) + " did not finish in " + timeoutS + " s");
        }
        String out = Files.readString(log, StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " exited " + p.exitValue() + ": " + out);
        }
        return out;
    }
}
