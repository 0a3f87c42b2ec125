package org.peerpool.cli;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.peerpool.Agent;
import org.peerpool.PeerEvent;
import org.peerpool.config.NodeConfig;
import org.peerpool.testing.Await;
import org.peerpool.testing.TestNet;
import org.peerpool.wire.NodeAddress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code java -jar target/peerpool.jar CONFIG_FILE} as an operator runs it: one clear
 * line and a distinct exit code when it cannot start, GOODBYE and exit 0 on SIGTERM.
 */
@Timeout(60)
class JarIT {

    private static final Path JAR = Path.of("target", "peerpool.jar");

    @TempDir
    Path dir;

    private final List<Process> processes = new ArrayList<>();

    @AfterEach
    void kill() {
        processes.forEach(Process::destroyForcibly);
    }

    private Process launch(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", JAR.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectOutput(dir.resolve("stdout.txt").toFile())
                .redirectError(dir.resolve("stderr.txt").toFile()).start();
        processes.add(p);
        return p;
    }

    private String stderr() throws IOException {
        return Files.readString(dir.resolve("stderr.txt"), StandardCharsets.UTF_8);
    }

    private int exitOf(Process p) throws InterruptedException {
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "process ended");
        return p.exitValue();
    }

    @Test
    void missingConfigExitsWithOneLineNamingTheFile() throws Exception {
        Path missing = dir.resolve("nope.ini");
        Process p = launch(missing.toString());
        assertEquals(Main.EXIT_CONFIG, exitOf(p));
        String err = stderr().strip();
        assertEquals(1, err.lines().count(), err);
        assertTrue(err.startsWith("peerpool: ") && err.contains("nope.ini") && err.contains("not found"), err);
    }

    @Test
    void invalidConfigExitsWithOneLineNamingTheKey() throws Exception {
        Path ini = dir.resolve("peerpool.ini");
        Files.writeString(ini, "[network]\nlocal_ip = 127.0.0.1\nport = 99999\n");
        Process p = launch(ini.toString());
        assertEquals(Main.EXIT_CONFIG, exitOf(p));
        String err = stderr().strip();
        assertEquals(1, err.lines().count(), err);
        assertTrue(err.contains("peerpool.ini") && err.contains("port") && err.contains("99999"), err);
    }

    @Test
    void noArgumentPrintsUsage() throws Exception {
        Process p = launch();
        assertEquals(Main.EXIT_USAGE, exitOf(p));
        assertTrue(stderr().startsWith("usage: "), stderr());
    }

    @Test
    void portInUseExitsWithOneClearLine() throws Exception {
        int port = TestNet.freePort(1);
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(TestNet.ip(1), port));
            Path ini = dir.resolve("peerpool.ini");
            Files.writeString(ini, "[network]\nlocal_ip = 127.0.0.1\nport = " + port + "\n");
            Process p = launch(ini.toString());
            assertEquals(Main.EXIT_UNAVAILABLE, exitOf(p));
            String err = stderr().strip();
            assertEquals(1, err.lines().count(), err);
            assertTrue(err.contains("cannot listen on 127.0.0.1:" + port), err);
        }
    }

    @Test
    void sigtermSaysGoodbyeToPeersAndExitsZero() throws Exception {
        int port = TestNet.freePort(2);
        NodeAddress jarNode = TestNet.address(1, port);
        Path ini = dir.resolve("peerpool.ini");
        Files.writeString(ini, "[network]\nlocal_ip = 127.0.0.1\nport = " + port + "\npeer = 127.0.0.2\n"
                + "[connection]\nreconnect_min_ms = 100\n");
        try (Agent peer = Agent.builder(NodeConfig.builder(TestNet.ip(2)).port(port).addPeer(jarNode).build())
                .ioThreads(1).build()) {
            ConcurrentLinkedQueue<PeerEvent> events = new ConcurrentLinkedQueue<>();
            peer.onPeerEvent(events::add);
            peer.start();
            Process p = launch(ini.toString());
            Await.until(Duration.ofSeconds(20), () -> peer.pool().isConnected(jarNode), "the jar's node connected");
            p.destroy();
            assertEquals(0, exitOf(p), "exit status after SIGTERM");
            Await.until(Duration.ofSeconds(5), () -> events.stream().anyMatch(e -> e.kind() == PeerEvent.Kind.DISCONNECTED),
                    "disconnect seen");
            PeerEvent gone = events.stream().filter(e -> e.kind() == PeerEvent.Kind.DISCONNECTED).findFirst().orElseThrow();
            assertEquals("peer said goodbye: shutting down", gone.reason());
        }
    }
}
