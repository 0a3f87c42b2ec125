package org.peerpool.tls;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.peerpool.Agent;
import org.peerpool.testing.Await;
import org.peerpool.testing.HelloFlood;
import org.peerpool.testing.Keys;
import org.peerpool.testing.TestNet;
import org.peerpool.testing.TlsNodes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 11, item 6: 500 stalled TLS handshakes (TCP connect and a ClientHello, nothing
 * after; each client reconnecting shortly after the node drops it) from 125 loopback
 * sources against the {@code required} node 127.0.0.3, with modest bounds from its
 * file ({@code max_handshaking} 64, {@code max_handshaking_per_ip} 4) and
 * {@code handshake_timeout_ms} 1500. Meanwhile its peer 127.0.0.1, which dials it, is
 * stopped and started twice: each time it is connected again. Once the flood stops, the
 * node closes every flood socket (by the handshake timeout), and the steady peer
 * 127.0.0.2 kept its connection throughout. How soon the peer is back is printed, not
 * bounded: the waits are generous, as the machine may be loaded.
 */
@Timeout(90)
class TlsFloodTest {

    private static final int SOURCES = 125;
    private static final int PER_SOURCE = 4;
    private static final int HANDSHAKE_TIMEOUT_MS = 1500;
    private static final int MAX_HANDSHAKING = Integer.getInteger("tlsflood.maxHandshaking", 64);
    /**
     * How soon a dropped flood client connects again: an attacker that wants its 500
     * handshakes held keeps coming back at once (FloodTest uses 10 ms for plaintext).
     */
    private static final long RECONNECT_MS = Long.getLong("tlsflood.reconnect", 100);
    private static final int RESTARTS = 2;
    /** Every wait is for something that must happen; generous, as the machine may be loaded. */
    private static final Duration WAIT = Duration.ofSeconds(15);
    /** Accepts still queued when the flood stops, and the timer's lateness on a loaded 2-core machine. */
    private static final long CLOSE_SLACK_MS = 15_000;

    @TempDir
    Path dir;

    private TlsNodes nodes;
    private HelloFlood flood;

    @BeforeAll
    static void keys() {
        Keys.prepare("n1", "n2", "n3");
    }

    @AfterEach
    void stop() {
        if (flood != null) {
            flood.close();
        }
        if (nodes != null) {
            nodes.close();
        }
    }

    @Test
    void aPeerRestartingDuringAHelloFloodIsBackEachTimeAndTheFloodIsClosedAfterwards() throws Exception {
        nodes = new TlsNodes(dir, TestNet.freePort(3));
        for (int i = 1; i <= 3; i++) {
            nodes.installKey(i, Keys.get("n" + i));
        }
        // -Dtlsflood.plainPeer=true: a diagnostic, not a CI case. Node 1 and the target run optional without
        // each other's pins, so the restarting peer comes in plaintext through the same TLS flood; it tells
        // whether a failure is about the real peer's own TLS handshake taking longer than the flood's churn.
        boolean plainPeer = Boolean.getBoolean("tlsflood.plainPeer");
        String mode = plainPeer ? "optional" : "required";
        for (int i = 1; i <= 2; i++) {
            nodes.save(i, new TlsNodes.Text(nodes.address(i))
                    .peer(nodes.address(3), i == 1 && plainPeer ? new String[0] : new String[] {Keys.get("n3").pin()})
                    .tls(mode));
        }
        nodes.save(3, new TlsNodes.Text(nodes.address(3))
                .peer(nodes.address(1), plainPeer ? new String[0] : new String[] {Keys.get("n1").pin()})
                .peer(nodes.address(2), Keys.get("n2").pin())
                .connection("handshake_timeout_ms = " + HANDSHAKE_TIMEOUT_MS)
                .security("max_handshaking = " + MAX_HANDSHAKING).security("max_handshaking_per_ip = 4")
                .tls(mode));
        Agent target = nodes.listen(3, 2);
        nodes.listen(1).start();
        nodes.listen(2).start();
        target.start();
        Await.until(WAIT, () -> nodes.linked(1, 3) && nodes.linked(2, 3), () -> nodes.counts(1, 2, 3));
        long steady = nodes.connectionId(3, 2);

        List<InetAddress> sources = new ArrayList<>();
        for (int i = 1; i <= SOURCES; i++) {
            sources.add(TestNet.ip(70 << 8 | i));
        }
        flood = new HelloFlood(target.address().toSocketAddress(), sources, PER_SOURCE, RECONNECT_MS).start();
        Await.until(WAIT, () -> (Integer) nodes.pool(3, "HandshakingInbound") >= MAX_HANDSHAKING / 2
                        && (Long) nodes.pool(3, "HandshakesRefused") > 0,
                () -> "the flood is on: " + nodes.pool(3, "HandshakingInbound") + " in handshake, "
                        + nodes.pool(3, "HandshakesRefused") + " refused, " + flood.hellosSent() + " hellos sent");

        List<Long> backMs = new ArrayList<>();
        List<String> notBack = new ArrayList<>();
        for (int round = 0; round < RESTARTS; round++) {
            nodes.stop(1);
            Await.until(WAIT, () -> !target.pool().isConnected(nodes.address(1)), "the target saw 1 go");
            pace(500);
            long t0 = System.nanoTime();
            Agent back = nodes.listen(1);
            back.start();
            // Measured, not asserted here, so one run reports every restart and the close of the flood.
            long deadline = t0 + WAIT.toNanos();
            while (!nodes.linked(1, 3) && System.nanoTime() < deadline) {
                pace(5);
            }
            if (!nodes.linked(1, 3)) {
                notBack.add("restart " + round + ": not back in " + WAIT.toSeconds() + " s: node 1: LastError '" + nodes.peer(1, 3, "LastError")
                        + "', FailedAttempts " + nodes.peer(1, 3, "FailedAttempts") + "; node 3: HandshakingInbound "
                        + nodes.pool(3, "HandshakingInbound") + ", HandshakesRefused " + nodes.pool(3, "HandshakesRefused"));
            }
            backMs.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
            pace(1000);
        }
        assertTrue((Integer) nodes.pool(3, "HandshakingInbound") > 0, "the flood still held handshakes at the end");
        flood.stop();
        long stoppedAt = System.nanoTime();
        boolean allClosed = flood.awaitAllClosed(Duration.ofMillis(HANDSHAKE_TIMEOUT_MS + CLOSE_SLACK_MS));
        long closedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stoppedAt);
        System.out.printf("tls flood: %d clients, %d connects, %d hellos, %d reads answered, %d closed by the node, "
                        + "peak %d open; node: %s refused, %s handshake failures; peer back after %s ms; "
                        + "flood closed %d ms after it stopped%n", flood.size(), flood.connects(), flood.hellosSent(),
                flood.answered(), flood.closedByNode(), flood.peakOpen(), nodes.pool(3, "HandshakesRefused"),
                nodes.pool(3, "HandshakeFailures"), backMs, closedMs);

        assertNull(flood.failure(), "the flood's own thread ran without error");
        assertEquals(SOURCES * PER_SOURCE, flood.peakOpen(), "500 stalled handshakes at the peak");
        assertTrue(flood.hellosSent() >= SOURCES * PER_SOURCE, "every client sent its ClientHello: " + flood.hellosSent());
        assertTrue(flood.answered() > 0, "the node did answer ClientHellos (TLS work was done)");
        assertEquals(List.of(), notBack, "the restarted peer came back each time; back after " + backMs + " ms");
        assertTrue(allClosed, flood.open() + " flood sockets still open " + closedMs + " ms after the flood stopped");
        Await.until(WAIT, () -> (Integer) nodes.pool(3, "HandshakingInbound") == 0,
                () -> nodes.pool(3, "HandshakingInbound") + " still in handshake on the node");
        assertEquals(steady, nodes.connectionId(3, 2), "the steady peer's connection rode out the flood");
        Await.until(WAIT, () -> nodes.linked(1, 3), "the restarted peer is connected once the flood is gone");
        assertEquals(0L, nodes.pool(3, "KeyMismatches"), "a stalled hello is no key mismatch");
    }

    /** A pacing pause between phases, never an assertion. */
    private static void pace(long ms) throws InterruptedException {
        Thread.sleep(ms);
    }
}
