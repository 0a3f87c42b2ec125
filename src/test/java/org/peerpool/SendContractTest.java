package org.peerpool;

import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.peerpool.config.NodeConfig;
import org.peerpool.testing.Await;
import org.peerpool.testing.RawPeer;
import org.peerpool.testing.TestNet;
import org.peerpool.wire.Message;
import org.peerpool.wire.NodeAddress;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The send contract of issue 10: {@code send} and {@code broadcast} never throw; a
 * payload over the peer's advertised {@code max_frame_bytes}, a topic over 65,535
 * UTF-8 bytes and a frame over the sender's {@code max_pending_bytes} each fail
 * locally with a {@link SendFailedException} that names the limit, while the same
 * connection carries the next payload; a lost connection fails what was queued with
 * {@link SendFailedException}, never a bare I/O exception; nothing is written after a
 * connection's GOODBYE.
 */
@Timeout(60)
class SendContractTest {

    private static final int PEER_MAX_FRAME = 65536;
    private static final long SENDER_MAX_PENDING = 200_000;

    private final List<Agent> agents = new ArrayList<>();
    private final List<AutoCloseable> sockets = new ArrayList<>();

    private record Received(NodeAddress from, String topic, byte[] data) {
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable s : sockets) {
            s.close();
        }
        agents.forEach(Agent::stop);
    }

    private Agent start(NodeConfig cfg) throws Exception {
        Agent a = Agent.builder(cfg).ioThreads(1).mbeanServer(null).build();
        agents.add(a);
        a.start();
        return a;
    }

    /**
     * Sender 127.0.0.1 (max_pending_bytes 200,000), small peer 127.0.0.2 (max_frame_bytes
     * 65,536), big peer 127.0.0.3 (defaults); the sender dials both.
     */
    private final class Trio {
        final Agent sender;
        final Agent small;
        final Agent big;
        final BlockingQueue<Received> atSmall = new LinkedBlockingQueue<>();
        final BlockingQueue<Received> atBig = new LinkedBlockingQueue<>();

        Trio() throws Exception {
            int port = TestNet.freePort(3);
            NodeAddress one = TestNet.address(1, port);
            NodeAddress two = TestNet.address(2, port);
            NodeAddress three = TestNet.address(3, port);
            small = start(TestNet.fast(NodeConfig.builder(TestNet.ip(2)).port(port).addPeer(one))
                    .maxFrameBytes(PEER_MAX_FRAME).reverseDialAfterS(0).build());
            big = start(TestNet.fast(NodeConfig.builder(TestNet.ip(3)).port(port).addPeer(one))
                    .reverseDialAfterS(0).build());
            small.onPayload((from, topic, data) -> atSmall.add(new Received(from, topic, data)));
            big.onPayload((from, topic, data) -> atBig.add(new Received(from, topic, data)));
            sender = start(TestNet.fast(NodeConfig.builder(TestNet.ip(1)).port(port).peers(List.of(two, three)))
                    .maxFrameBytes(PEER_MAX_FRAME).maxPendingBytes(SENDER_MAX_PENDING).build());
            Await.until(Duration.ofSeconds(10), () -> sender.pool().connectionCount() == 2
                    && small.pool().isConnected(one) && big.pool().isConnected(one), "sender connected to both peers");
        }

        long idAtSender(Agent peer) {
            return sender.pool().snapshot(peer.address()).orElseThrow().connectionId();
        }

        long idAtPeer(Agent peer) {
            return peer.pool().snapshot(sender.address()).orElseThrow().connectionId();
        }
    }

    private static SendFailedException failure(CompletableFuture<Void> f) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(15, TimeUnit.SECONDS));
        return assertInstanceOf(SendFailedException.class, e.getCause());
    }

    private static void assertMentions(String message, String... parts) {
        for (String p : parts) {
            assertTrue(message.contains(p), () -> "'" + message + "' does not mention " + p);
        }
    }

    /** A small payload on {@code topic} reaches {@code inbox} from {@code from}. */
    private static void assertCarries(Agent from, Agent to, BlockingQueue<Received> inbox, String topic) throws Exception {
        byte[] data = ("after " + topic).getBytes(StandardCharsets.UTF_8);
        from.send(to.address(), topic, data).get(15, TimeUnit.SECONDS);
        Received r = inbox.poll(15, TimeUnit.SECONDS);
        assertNotNull(r, "the small payload after the refused one did not arrive");
        assertEquals(from.address(), r.from());
        assertEquals(topic, r.topic());
        assertArrayEquals(data, r.data());
    }

    @Test
    void payloadOverThePeersMaxFrameBytesFailsLocallyAndTheConnectionStays() throws Exception {
        Trio t = new Trio();
        long here = t.idAtSender(t.small);
        long there = t.idAtPeer(t.small);

        CompletableFuture<Void> f = assertDoesNotThrow(() -> t.sender.send(t.small.address(), "big", new byte[100 * 1024]));
        SendFailedException e = failure(f);
        assertMentions(e.getMessage(), "max_frame_bytes", "65536");
        assertEquals(t.small.address(), e.peer());

        assertCarries(t.sender, t.small, t.atSmall, "small");
        assertEquals(here, t.idAtSender(t.small), "the sender's connection was replaced");
        assertEquals(there, t.idAtPeer(t.small), "the peer's connection was replaced");
        assertEquals(0, t.small.pool().protocolViolations(), "the peer saw a violation");
    }

    @Test
    void payloadOfExactlyThePeersMaxFrameBytesIsSent() throws Exception {
        Trio t = new Trio();
        long here = t.idAtSender(t.small);
        String topic = "edge";
        // body = type(1) + topic STR(2 + 4) + data count(4) + data
        byte[] data = new byte[PEER_MAX_FRAME - 1 - 2 - topic.length() - 4];
        data[data.length - 1] = 42;
        t.sender.send(t.small.address(), topic, data).get(15, TimeUnit.SECONDS);
        Received r = t.atSmall.poll(15, TimeUnit.SECONDS);
        assertNotNull(r, "a frame of exactly max_frame_bytes did not arrive");
        assertArrayEquals(data, r.data());

        SendFailedException e = failure(t.sender.send(t.small.address(), topic, new byte[data.length + 1]));
        assertMentions(e.getMessage(), "max_frame_bytes", "65536");
        assertEquals(here, t.idAtSender(t.small));
    }

    @Test
    void topicOverAStrFailsLocallyOnSendAndBroadcastAndTheConnectionsStay() throws Exception {
        Trio t = new Trio();
        long smallId = t.idAtSender(t.small);
        long bigId = t.idAtSender(t.big);
        String topic = "é".repeat(35_000);
        assertEquals(70_000, topic.getBytes(StandardCharsets.UTF_8).length);

        CompletableFuture<Void> f = assertDoesNotThrow(() -> t.sender.send(t.big.address(), topic, new byte[1]));
        assertMentions(failure(f).getMessage(), "65535");

        Map<NodeAddress, CompletableFuture<Void>> all = assertDoesNotThrow(() -> t.sender.broadcast(topic, new byte[1]));
        assertEquals(2, all.size(), "one future per connected peer");
        for (Map.Entry<NodeAddress, CompletableFuture<Void>> en : all.entrySet()) {
            SendFailedException e = failure(en.getValue());
            assertMentions(e.getMessage(), "65535");
            assertEquals(en.getKey(), e.peer());
        }

        assertCarries(t.sender, t.big, t.atBig, "small");
        assertCarries(t.sender, t.small, t.atSmall, "small");
        assertEquals(smallId, t.idAtSender(t.small));
        assertEquals(bigId, t.idAtSender(t.big));
    }

    @Test
    void aNullTopicOrDataFailsLocallyAndTheConnectionStays() throws Exception {
        Trio t = new Trio();
        long bigId = t.idAtSender(t.big);
        CompletableFuture<Void> noTopic = assertDoesNotThrow(() -> t.sender.send(t.big.address(), null, new byte[1]));
        assertMentions(failure(noTopic).getMessage(), "topic is null");
        CompletableFuture<Void> noData = assertDoesNotThrow(() -> t.sender.send(t.big.address(), "tx", null));
        assertMentions(failure(noData).getMessage(), "data is null");
        Map<NodeAddress, CompletableFuture<Void>> all = assertDoesNotThrow(() -> t.sender.broadcast(null, new byte[1]));
        for (CompletableFuture<Void> f : all.values()) {
            assertMentions(failure(f).getMessage(), "topic is null");
        }
        assertCarries(t.sender, t.big, t.atBig, "small");
        assertEquals(bigId, t.idAtSender(t.big));
    }

    @Test
    void topicOfExactly65535BytesIsSent() throws Exception {
        Trio t = new Trio();
        String topic = "t".repeat(65535);
        t.sender.send(t.big.address(), topic, new byte[] {1}).get(15, TimeUnit.SECONDS);
        Received r = t.atBig.poll(15, TimeUnit.SECONDS);
        assertNotNull(r, "a topic of exactly 65535 bytes did not arrive");
        assertEquals(topic, r.topic());
    }

    @Test
    void payloadOverTheSendersMaxPendingBytesFailsLocallyAndTheConnectionStays() throws Exception {
        Trio t = new Trio();
        long here = t.idAtSender(t.big);
        long there = t.idAtPeer(t.big);

        // Within the big peer's 4 MiB frame limit, over the sender's own queue bound.
        CompletableFuture<Void> f = assertDoesNotThrow(() -> t.sender.send(t.big.address(), "huge", new byte[300_000]));
        SendFailedException e = failure(f);
        assertMentions(e.getMessage(), "max_pending_bytes", "200000");

        Map<NodeAddress, CompletableFuture<Void>> all = t.sender.broadcast("huge", new byte[300_000]);
        assertEquals(2, all.size());
        all.values().forEach(SendContractTest::failure);

        // A frame under the bound still goes through on the same connection.
        byte[] under = new byte[150_000];
        t.sender.send(t.big.address(), "under", under).get(15, TimeUnit.SECONDS);
        Received r = t.atBig.poll(15, TimeUnit.SECONDS);
        assertNotNull(r, "a payload under max_pending_bytes did not arrive");
        assertEquals(under.length, r.data().length);
        assertCarries(t.sender, t.big, t.atBig, "small");
        assertEquals(here, t.idAtSender(t.big), "the sender's connection was replaced");
        assertEquals(there, t.idAtPeer(t.big), "the peer's connection was replaced");
        assertTrue(t.sender.pool().isConnected(t.small.address()), "the other peer was disturbed");
    }

    @Test
    void sendToAnUnknownOrUnconnectedPeerReturnsAFailedFuture() throws Exception {
        int port = TestNet.freePort(6);
        NodeAddress listed = TestNet.address(6, port);
        Agent a = start(TestNet.fast(NodeConfig.builder(TestNet.ip(5)).port(port).addPeer(listed)).build());
        NodeAddress stranger = TestNet.address(9, port);

        CompletableFuture<Void> unknown = assertDoesNotThrow(() -> a.send(stranger, "t", new byte[1]));
        SendFailedException e = failure(unknown);
        assertEquals(stranger, e.peer());
        assertMentions(e.getMessage(), "not connected");

        // Listed but nobody listens there: not connected either.
        CompletableFuture<Void> down = assertDoesNotThrow(() -> a.send(listed, "t", new byte[1]));
        assertEquals(listed, failure(down).peer());

        // Oversized input to an unconnected peer is still a failed future, not a throw.
        CompletableFuture<Void> big = assertDoesNotThrow(() -> a.send(stranger, "é".repeat(40_000), new byte[1]));
        failure(big);
        assertTrue(assertDoesNotThrow(() -> a.broadcast("é".repeat(40_000), new byte[1])).isEmpty(),
                "broadcast with no connected peer has no futures");
    }

    @Test
    void aLostConnectionFailsQueuedSendsWithSendFailedException() throws Exception {
        int port = TestNet.freePort(5);
        NodeAddress raw = TestNet.address(3, port);
        Agent a = start(TestNet.fast(NodeConfig.builder(TestNet.ip(5)).port(port).addPeer(raw))
                .reverseDialAfterS(0).build());
        RawPeer peer = RawPeer.connectSmallBuffer(TestNet.ip(3), a.address(), 4096);
        sockets.add(peer);
        assertTrue(peer.handshakeAs(raw).accepted());
        Await.until(Duration.ofSeconds(15), () -> a.pool().isConnected(raw), "raw peer connected");

        // The raw peer reads nothing more: frames pile up behind its full receive window.
        List<CompletableFuture<Void>> sent = new ArrayList<>();
        byte[] chunk = new byte[16 * 1024];
        for (int i = 0; i < 600; i++) {
            sent.add(assertDoesNotThrow(() -> a.send(raw, "flood", chunk)));
        }
        Await.until(Duration.ofSeconds(15), () -> a.pool().snapshot(raw).map(s -> s.queuedBytes() > 1_000_000).orElse(false),
                () -> "queue did not build: " + a.pool().snapshot(raw));

        Socket s = peer.socket();
        s.setSoLinger(true, 0);
        s.close(); // RST

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        int failed = 0;
        for (CompletableFuture<Void> f : sent) {
            long left = deadline - System.nanoTime();
            Throwable t = f.handle((v, x) -> x).get(Math.max(1, left), TimeUnit.NANOSECONDS);
            if (t != null) {
                failed++;
                SendFailedException sfe = assertInstanceOf(SendFailedException.class, t,
                        () -> "a lost connection failed a send with " + t);
                assertEquals(raw, sfe.peer(), () -> "failure does not name the peer: " + sfe.getMessage());
            }
        }
        assertTrue(failed > 0, "the reset failed no queued send (the test did not exercise the path)");
        Await.until(Duration.ofSeconds(15), () -> !a.pool().isConnected(raw), "the reset connection is gone");
    }

    @Test
    void nothingIsQueuedBehindGoodbye() throws Exception {
        int port = TestNet.freePort(5);
        NodeAddress raw = TestNet.address(3, port);
        Agent a = start(TestNet.fast(NodeConfig.builder(TestNet.ip(5)).port(port).addPeer(raw))
                .reverseDialAfterS(0).build());
        // Several closes, each raced by two senders, so a frame slipping in behind GOODBYE is likely to show.
        for (int round = 1; round <= 5; round++) {
            closeWhileSending(a, raw, round);
        }
    }

    private void closeWhileSending(Agent a, NodeAddress raw, int round) throws Exception {
        RawPeer peer = RawPeer.connectSmallBuffer(TestNet.ip(3), a.address(), 4096);
        sockets.add(peer);
        assertTrue(peer.handshakeAs(raw).accepted());
        Await.until(Duration.ofSeconds(15), () -> a.pool().isConnected(raw), "raw peer connected");

        // A backlog the raw peer has not read yet, and senders that keep going through the close.
        List<CompletableFuture<Void>> sent = new CopyOnWriteArrayList<>();
        byte[] chunk = new byte[8 * 1024];
        for (int i = 0; i < 200; i++) {
            sent.add(a.send(raw, "backlog", chunk));
        }
        AtomicBoolean go = new AtomicBoolean(true);
        AtomicBoolean closing = new AtomicBoolean();
        List<Thread> racers = new ArrayList<>();
        for (int r = 0; r < 2; r++) {
            Thread racer = new Thread(() -> {
                int n = 0;
                while (go.get()) {
                    // Under 16 MiB in all before the close, so the queue bound never closes it first.
                    if (n < 400 || closing.get()) {
                        sent.add(a.send(raw, "racer", chunk));
                        n++;
                    } else {
                        Thread.onSpinWait();
                    }
                }
            }, "test-racer-" + r);
            racer.setDaemon(true);
            racers.add(racer);
            racer.start();
        }
        Await.until(Duration.ofSeconds(15), () -> sent.size() > 600, "racers sending");
        closing.set(true);
        assertTrue(a.control().disconnect(raw, "test close"), "round " + round + ": not connected at the close");
        CompletableFuture<Void> after = a.send(raw, "after", chunk);
        SendFailedException late = failure(after);
        assertEquals(raw, late.peer());

        // Read everything: GOODBYE must be the last frame.
        peer.socket().setSoTimeout(10_000);
        int payloads = 0;
        int goodbyes = 0;
        int afterGoodbye = 0;
        for (var m = peer.read(); m != null; m = peer.read()) {
            if (m instanceof Message.Goodbye) {
                goodbyes++;
            } else if (goodbyes > 0) {
                afterGoodbye++;
            } else if (m instanceof Message.Payload) {
                payloads++;
            }
        }
        go.set(false);
        for (Thread t : racers) {
            t.join(5000);
        }
        assertEquals(1, goodbyes, "round " + round + ": GOODBYE frames");
        assertEquals(0, afterGoodbye, "round " + round + ": frames after GOODBYE");

        int succeeded = 0;
        for (CompletableFuture<Void> f : sent) {
            Throwable t = f.handle((v, x) -> x).get(15, TimeUnit.SECONDS);
            if (t == null) {
                succeeded++;
            } else {
                assertInstanceOf(SendFailedException.class, t);
            }
        }
        // A future that reported success is a frame the peer read before GOODBYE.
        assertEquals(succeeded, payloads, "round " + round + ": sends reported written vs PAYLOADs received before GOODBYE");
        Await.until(Duration.ofSeconds(15), () -> !a.pool().isConnected(raw), "closed connection gone");
    }
}
