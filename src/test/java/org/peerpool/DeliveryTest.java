package org.peerpool;

import java.io.DataInputStream;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.peerpool.config.NodeConfig;
import org.peerpool.testing.Await;
import org.peerpool.testing.RawPeer;
import org.peerpool.testing.TestNet;
import org.peerpool.wire.Message;
import org.peerpool.wire.MessageCodec;
import org.peerpool.wire.NodeAddress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Delivery accounting (issue 7): every send to a peer either completes its write or is
 * reported failed to the caller, and a graceful close (GOODBYE) flushes what was queued
 * before it, in order. Each payload carries its sequence number, so the receiver can
 * tell loss, duplicates and reordering apart.
 */
@Timeout(60)
class DeliveryTest {

    /** Every wait is for something that must happen; generous, as the machine may be loaded. */
    private static final Duration WAIT = Duration.ofSeconds(15);

    private static final String TOPIC = "seq";
    /** Padding per payload, so the queue holds megabytes, not a few kilobytes, when the sender stops. */
    private static final int PAD = 600;

    private final List<Agent> agents = new ArrayList<>();
    private final List<AutoCloseable> sockets = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable s : sockets) {
            s.close();
        }
        agents.forEach(Agent::stop);
    }

    private Agent start(NodeConfig cfg) throws IOException {
        Agent a = Agent.builder(cfg).ioThreads(1).build();
        agents.add(a);
        a.start();
        return a;
    }

    private static byte[] payload(int seq) {
        return payload(seq, PAD);
    }

    private static byte[] payload(int seq, int pad) {
        byte[] data = new byte[4 + pad];
        ByteBuffer.wrap(data).putInt(seq);
        data[data.length - 1] = (byte) seq;
        return data;
    }

    private static int seqOf(byte[] data) {
        return seqOf(data, PAD);
    }

    private static int seqOf(byte[] data, int pad) {
        assertEquals(4 + pad, data.length, "payload size");
        int seq = ByteBuffer.wrap(data).getInt();
        assertEquals((byte) seq, data[data.length - 1], "payload " + seq + " intact");
        return seq;
    }

    /** Waits until every future is done; returns how many completed normally. */
    private static int settled(List<CompletableFuture<Void>> sent, Duration within) {
        Await.until(within, () -> sent.stream().allMatch(CompletableFuture::isDone),
                () -> sent.stream().filter(f -> !f.isDone()).count() + " of " + sent.size() + " sends never settled");
        return (int) sent.stream().filter(f -> !f.isCompletedExceptionally()).count();
    }

    @Test
    void aGracefulStopFlushesEveryQueuedPayloadInOrder() throws Exception {
        stopWhileQueuedThenCount(10_000, 600, 0);
    }

    /**
     * A reader slower than the sender (a few MB/s, like a WAN link) still gets everything
     * queued before the stop: the close waits while bytes keep leaving, well past the
     * two seconds it allows a peer that stopped reading altogether.
     */
    @Test
    void aGracefulStopWaitsForASlowReaderWhileBytesStillLeave() throws Exception {
        long ms = stopWhileQueuedThenCount(10_000, 1500, 2);
        assertTrue(ms > 2000, "the flush outlasted the stall grace, so the test shows what it claims: stop() took " + ms + " ms");
    }

    /**
     * Sends {@code n} payloads of {@code pad + 4} bytes without waiting, stops the sender
     * at once, and checks the receiver got all of them in order, then the GOODBYE. The
     * receiver pauses 1 ms every {@code slowEvery} payloads (0: never). Returns how long
     * {@code stop()} took.
     */
    private long stopWhileQueuedThenCount(int n, int pad, int slowEvery) throws Exception {
        int port = TestNet.freePort(2);
        List<NodeConfig.Builder> mesh = TestNet.mesh(1, 2, port);
        Agent sender = start(mesh.get(0).build());
        Agent receiver = start(mesh.get(1).build());
        Await.until(WAIT, () -> sender.pool().isConnected(receiver.address())
                && receiver.pool().isConnected(sender.address()), "connected");
        ConcurrentLinkedQueue<Integer> got = new ConcurrentLinkedQueue<>();
        AtomicReference<String> goodbye = new AtomicReference<>();
        receiver.onPayload((from, topic, data) -> {
            int seq = seqOf(data, pad);
            got.add(seq);
            if (slowEvery > 0 && seq % slowEvery == 0) {
                pause(1);
            }
        });
        receiver.onPeerEvent(ev -> {
            if (ev.kind() == PeerEvent.Kind.DISCONNECTED) {
                goodbye.compareAndSet(null, ev.reason());
            }
        });

        List<CompletableFuture<Void>> sent = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            sent.add(sender.send(receiver.address(), TOPIC, payload(i, pad)));
        }
        long queued = sender.pool().snapshot(receiver.address()).orElseThrow().queuedBytes();
        long t0 = System.nanoTime();
        sender.stop();
        long stopMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        System.out.printf("graceful stop of %d payloads of %d bytes: %d bytes still queued when stop() began;"
                + " stop() took %d ms%n", n, pad + 4, queued, stopMs);

        assertEquals(n, settled(sent, WAIT), "every send queued before the GOODBYE was written");
        Await.until(Duration.ofSeconds(20), () -> got.size() >= n && goodbye.get() != null,
                () -> "received " + got.size() + " of " + n + ", goodbye " + goodbye.get());
        assertEquals(n, got.size(), "no duplicates");
        int expect = 0;
        for (int seq : got) {
            assertEquals(expect++, seq, "in order");
        }
        assertEquals("peer said goodbye: shutting down", goodbye.get(), "the GOODBYE came after the payloads");
        return stopMs;
    }

    private static void pause(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * A node stopped while its HANDSHAKE is out but not yet answered still says GOODBYE:
     * the responder may already count the connection as up, and must learn why it ends.
     */
    @Test
    void aNodeStoppedMidHandshakeSaysGoodbyeToo() throws Exception {
        int port = TestNet.freePort(2);
        NodeAddress responder = TestNet.address(2, port);
        try (ServerSocket server = new ServerSocket()) {
            server.setReuseAddress(true);
            server.bind(responder.toSocketAddress());
            Agent node = start(TestNet.fast(NodeConfig.builder(TestNet.ip(1)).port(port)).addPeer(responder).build());
            RawPeer raw = RawPeer.accept(server);
            sockets.add(raw);
            assertEquals(new Message.Handshake(1, node.address().toString(), new Message.Limits(4194304, 20000)), raw.read(),
                    "the node's HANDSHAKE, with its limits");
            Thread stopper = new Thread(node::stop, "stopper");
            stopper.start();
            assertEquals(new Message.Goodbye("shutting down"), raw.read(), "GOODBYE before the close");
            assertEquals(null, raw.read(), "then the close");
            raw.close();
            stopper.join(10_000);
            assertTrue(!stopper.isAlive(), "stop() returned");
        }
    }

    /**
     * The receiver resets the connection mid-stream while the sender keeps sending: every
     * send settles, each as written or failed; what arrived is an in-order prefix, and
     * nothing that arrived was reported failed.
     */
    @Test
    void sendsDuringALinkResetAreEachWrittenOrReportedFailed() throws Exception {
        int port = TestNet.freePort(5);
        NodeAddress rawAddress = TestNet.address(3, port);
        Agent sender = start(TestNet.fast(NodeConfig.builder(TestNet.ip(5)).port(port)).addPeer(rawAddress)
                .reverseDialAfterS(0).build());
        RawPeer raw = RawPeer.connect(TestNet.ip(3), sender.address());
        sockets.add(raw);
        assertTrue(raw.handshakeAs(rawAddress).accepted());
        Await.until(WAIT, () -> sender.pool().isConnected(rawAddress), "connected");

        int cutAfter = 3_000;
        ConcurrentLinkedQueue<Integer> got = new ConcurrentLinkedQueue<>();
        AtomicReference<Throwable> readerFailed = new AtomicReference<>();
        Thread reader = new Thread(() -> {
            try {
                readThenReset(raw, cutAfter, got);
            } catch (Throwable t) {
                readerFailed.set(t);
            }
        }, "raw-reader");
        reader.start();

        int n = 20_000;
        List<CompletableFuture<Void>> sent = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            sent.add(sender.send(rawAddress, TOPIC, payload(i)));
            if (i % 1000 == 999) {
                // Give the reader time to reach the cut while sends are still being made.
                Thread.sleep(5);
            }
        }
        reader.join(10_000);
        assertEquals(null, readerFailed.get(), "the reader read until its cut");
        int written = settled(sent, WAIT);
        int failed = n - written;
        System.out.printf("link reset: %d sends, %d written, %d failed, %d received before the reset%n",
                n, written, failed, got.size());
        assertTrue(failed > 0, "sends after the reset failed");
        assertTrue(got.size() >= cutAfter, "the reader got its " + cutAfter + " payloads before cutting");
        assertInOrderPrefix(got);
        for (int seq : got) {
            assertTrue(!sent.get(seq).isCompletedExceptionally(), "payload " + seq + " arrived yet was reported failed");
        }
        assertTrue(!sender.pool().isConnected(rawAddress), "the reset connection is gone");
    }

    /**
     * The sender's side closes the connection (operator disconnect, GOODBYE) again and
     * again while sends go on and the pair reconnects at once (20 ms backoff), with the
     * receiver a little behind at each cut: every send settles, and the receiver got
     * exactly the ones reported written, in order. The redial waits until the receiver
     * has read up to the GOODBYE and closed; otherwise its new connection supersedes
     * the old one while payloads reported written are still unread there.
     */
    @Test
    void sendsAcrossGracefulDisconnectsAreDeliveredExactlyWhenReportedWritten() throws Exception {
        int port = TestNet.freePort(2);
        List<NodeConfig.Builder> mesh = TestNet.mesh(1, 2, port);
        Agent sender = start(mesh.get(0).reconnectMinMs(20).reconnectMaxMs(50).build());
        Agent receiver = start(mesh.get(1).build());
        NodeAddress to = receiver.address();
        Await.until(WAIT, () -> sender.pool().isConnected(to)
                && receiver.pool().isConnected(sender.address()), "connected");
        ConcurrentLinkedQueue<Integer> got = new ConcurrentLinkedQueue<>();
        receiver.onPayload((from, topic, data) -> {
            int seq = seqOf(data);
            got.add(seq);
            if (seq % 2000 == 500) {
                // Fall behind just as the sender cuts and redials: the new connection must not cut short
                // the reading of the old one.
                pause(100);
            }
        });

        int rounds = 10;
        int perRound = 2000;
        int n = rounds * perRound;
        int cuts = 0;
        List<CompletableFuture<Void>> sent = new ArrayList<>(n);
        for (int r = 0; r < rounds; r++) {
            Await.until(WAIT, () -> sender.pool().isConnected(to), "connected again");
            for (int k = 0; k < perRound; k++) {
                sent.add(sender.send(to, TOPIC, payload(r * perRound + k)));
                if (k == perRound / 2) {
                    assertTrue(sender.control().disconnect(to, "cut by test"), "connected when cut");
                    cuts++;
                }
                if (k % 500 == 499) {
                    Thread.sleep(10);
                }
            }
        }
        int written = settled(sent, WAIT);
        List<Integer> expected = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (!sent.get(i).isCompletedExceptionally()) {
                expected.add(i);
            }
        }
        Await.until(WAIT, () -> got.size() >= written,
                () -> "received " + got.size() + " of the " + written + " reported written");
        System.out.printf("graceful cuts: %d sends, %d cuts, %d written, %d failed, %d received%n",
                n, cuts, written, n - written, got.size());
        assertTrue(n - written > 0, "sends while disconnected failed");
        assertEquals(expected, new ArrayList<>(got), "received exactly what was reported written, in order");
    }

    /** Reads PAYLOADs until {@code cutAfter} arrived, then resets the connection (RST, no FIN). */
    private static void readThenReset(RawPeer raw, int cutAfter, ConcurrentLinkedQueue<Integer> got) throws Exception {
        DataInputStream in = new DataInputStream(raw.socket().getInputStream());
        while (got.size() < cutAfter) {
            int length = in.readInt();
            byte[] body = new byte[length];
            in.readFully(body);
            Message m = MessageCodec.decode(ByteBuffer.wrap(body));
            if (m instanceof Message.Payload p) {
                got.add(seqOf(p.data()));
            }
        }
        raw.socket().setSoLinger(true, 0);
        raw.close();
    }

    private static void assertInOrderPrefix(ConcurrentLinkedQueue<Integer> got) {
        int expect = 0;
        for (int seq : got) {
            assertEquals(expect++, seq, "received an in-order prefix, without gaps or duplicates");
        }
    }
}
