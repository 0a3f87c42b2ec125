package org.peerpool;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.peerpool.config.NodeConfig;
import org.peerpool.testing.Await;
import org.peerpool.testing.RawPeer;
import org.peerpool.testing.TestNet;
import org.peerpool.wire.Message;
import org.peerpool.wire.NodeAddress;

import jdk.net.ExtendedSocketOptions;

import static java.net.StandardSocketOptions.SO_KEEPALIVE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * PROTOCOL.md section 5: keepalive on every socket, the read-idle close of a silent
 * peer, and the bounded send queue of a peer that stops reading.
 */
@Timeout(60)
class LivenessTest {

    /** Every wait is for something that must happen; generous, as the machine may be loaded. */
    private static final Duration WAIT = Duration.ofSeconds(15);

    private final List<Agent> agents = new ArrayList<>();

    @AfterEach
    void stopAll() {
        agents.forEach(Agent::stop);
    }

    private Agent start(NodeConfig cfg) throws IOException {
        Agent a = Agent.builder(cfg).ioThreads(1).build();
        agents.add(a);
        a.start();
        return a;
    }

    @Test
    void keepaliveIsSetOnAcceptedAndDialedSockets() throws Exception {
        int port = TestNet.freePort(2);
        List<NodeConfig> cfg = TestNet.mesh(1, 2, port).stream()
                .map(b -> b.keepaliveIdleS(7).keepaliveIntervalS(3).keepaliveCount(4).build()).toList();
        Agent lower = start(cfg.get(0));
        Agent higher = start(cfg.get(1));
        NodeAddress low = lower.address();
        NodeAddress high = higher.address();
        Await.until(WAIT, () -> lower.pool().isConnected(high) && higher.pool().isConnected(low), "connected");
        for (Agent a : List.of(lower, higher)) {
            NodeAddress other = a == lower ? high : low;
            String on = a.address() + " to " + other;
            assertEquals(true, a.pool().socketOption(other, SO_KEEPALIVE).orElseThrow(), "SO_KEEPALIVE on " + on);
            assertEquals(7, a.pool().socketOption(other, ExtendedSocketOptions.TCP_KEEPIDLE).orElseThrow(), "idle on " + on);
            assertEquals(3, a.pool().socketOption(other, ExtendedSocketOptions.TCP_KEEPINTERVAL).orElseThrow(), "interval on " + on);
            assertEquals(4, a.pool().socketOption(other, ExtendedSocketOptions.TCP_KEEPCOUNT).orElseThrow(), "count on " + on);
        }
        String dialedFrom = lower.pool().snapshot(high).orElseThrow().localSocket();
        assertTrue(dialedFrom.startsWith("/" + low.ip().getHostAddress() + ":"), "outbound sockets are bound to local_ip: " + dialedFrom);
    }

    @Test
    void aPeerThatGoesSilentAfterTheHandshakeIsClosedAfterTheIdleTimeout() throws Exception {
        int port = TestNet.freePort(5);
        NodeAddress silent = TestNet.address(3, port);
        Agent agent = start(TestNet.fast(NodeConfig.builder(TestNet.ip(5)).port(port)).addPeer(silent)
                .idleTimeoutS(1).heartbeatIntervalS(1).reverseDialAfterS(0).build());
        try (RawPeer peer = RawPeer.connect(TestNet.ip(3), agent.address())) {
            // Taken before the HANDSHAKE, the last thing the agent reads from this peer, so the time measured
            // below is never shorter than the silence the agent saw, however late this thread runs.
            long t0 = System.nanoTime();
            // It announces a 100 ms heartbeat: three of them are well inside idle_timeout_s.
            assertTrue(peer.handshakeAs(silent, new Message.Limits(4194304, 100)).accepted());
            Await.until(WAIT, () -> agent.pool().isConnected(silent), "connected");
            // The agent's own ANNOUNCEs keep arriving; this peer answers nothing.
            Message last = null;
            Message m;
            while ((m = peer.read()) != null) {
                last = m;
            }
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertEquals(new Message.Goodbye("idle timeout"), last, "the agent said why");
            // Not before idle_timeout_s (the idle clock counts whole milliseconds, hence the margin); the upper
            // bound only tells the idle timeout from a close that never comes or a unit mistaken.
            assertTrue(ms >= 990 && ms < 15_000, "closed after " + ms + " ms for idle_timeout_s = 1");
            Await.until(WAIT, () -> !agent.pool().isConnected(silent), "pool dropped it");
        }
    }

    @Test
    void aPeerThatNeverReadsIsDisconnectedWhenItsQueuePassesTheBound() throws Exception {
        int port = TestNet.freePort(5);
        NodeAddress stuck = TestNet.address(3, port);
        long bound = 256 * 1024;
        Agent agent = start(TestNet.fast(NodeConfig.builder(TestNet.ip(5)).port(port)).addPeer(stuck)
                .maxFrameBytes(16 * 1024).maxPendingBytes(bound).reverseDialAfterS(0).build());
        try (RawPeer peer = RawPeer.connectSmallBuffer(TestNet.ip(3), agent.address(), 4096)) {
            assertTrue(peer.handshakeAs(stuck).accepted());
            Await.until(WAIT, () -> agent.pool().isConnected(stuck), "connected");
            byte[] chunk = new byte[8 * 1024];
            List<CompletableFuture<Void>> sent = new ArrayList<>();
            CompletableFuture<Void> refused = null;
            // Socket buffers absorb some megabytes at most; the bound must trip well before 64 MiB.
            for (int i = 0; i < 8192 && refused == null; i++) {
                CompletableFuture<Void> f = agent.send(stuck, "t", chunk);
                if (f.isCompletedExceptionally()) {
                    refused = f;
                } else {
                    sent.add(f);
                }
                assertTrue(agent.pool().snapshot(stuck).map(s -> s.queuedBytes() <= bound).orElse(true),
                        "queue stays within max_pending_bytes");
            }
            assertTrue(refused != null, "a send was refused once the queue was full");
            ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, refused::get);
            assertInstanceOf(SendFailedException.class, e.getCause());
            assertTrue(e.getCause().getMessage().contains("send queue full"), e.getCause().getMessage());
            Await.until(WAIT, () -> !agent.pool().isConnected(stuck), "peer disconnected");
            assertTrue(agent.send(stuck, "t", chunk).isCompletedExceptionally(), "later sends fail too");
            // Everything accepted earlier is either written or reported failed: nothing hangs.
            Await.until(WAIT, () -> sent.stream().allMatch(CompletableFuture::isDone),
                    "every accepted send settled");
        }
    }
}
