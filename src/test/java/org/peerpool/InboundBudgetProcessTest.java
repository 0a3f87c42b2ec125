package org.peerpool;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.peerpool.testing.Await;
import org.peerpool.testing.NodeProcess;
import org.peerpool.testing.RawPeer;
import org.peerpool.testing.TestNet;
import org.peerpool.wire.Message;
import org.peerpool.wire.MessageCodec;
import org.peerpool.wire.NodeAddress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 18: heavy traffic slows down instead of ending the process. A node in its own
 * JVM at {@code -Xmx96m} with {@code max_inbound_buffer_bytes} = 32 MiB has 40 listed
 * peers that each send 90% of a 4 MB frame and stall (before the budget, each partial
 * frame sat in a buffer that doubled as it grew: about 8 MiB apiece, 320 MiB in all).
 * The process lives, a new peer still connects, and once the senders finish every frame
 * is delivered.
 */
@Timeout(180)
class InboundBudgetProcessTest {

    private static final int SENDERS = 40;
    private static final int DATA_BYTES = 4_000_000;
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private NodeProcess node;
    private final List<RawPeer> peers = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (RawPeer p : peers) {
            p.close();
        }
        if (node != null) {
            node.kill();
        }
    }

    @Test
    void fortyStalledLargeFramesSlowTheNodeDownAndAllArrive() throws Exception {
        int port = TestNet.freePort(200);
        NodeAddress self = TestNet.address(200, port);
        StringBuilder ini = new StringBuilder("[network]\nlocal_ip = 127.0.0.200\nport = " + port + "\n");
        for (int i = 10; i < 10 + SENDERS + 1; i++) {
            ini.append("peer = ").append(TestNet.address(i, port)).append('\n');
        }
        ini.append("[connection]\nreverse_dial_after_s = 0\n[security]\nmax_inbound_buffer_bytes = 33554432\n");
        Path file = dir.resolve("peerpool.ini");
        Files.writeString(file, ini, StandardCharsets.UTF_8);
        node = NodeProcess.start(List.of("-cp", System.getProperty("java.class.path"), "org.peerpool.cli.Main"), file,
                dir, "budget");
        node.awaitListening(Duration.ofSeconds(30));

        for (int i = 0; i < SENDERS; i++) {
            NodeAddress me = TestNet.address(10 + i, port);
            RawPeer p = RawPeer.connect(TestNet.ip(10 + i), self);
            peers.add(p);
            assertTrue(p.handshakeAs(me).accepted());
        }
        List<Long> before = new ArrayList<>();
        for (int i = 0; i < SENDERS; i++) {
            before.add(((Number) node.peerAttribute(self, TestNet.address(10 + i, port), "MessagesIn")).longValue());
        }

        byte[] frame = frameBytes();
        int cut = frame.length * 9 / 10;
        CountDownLatch finish = new CountDownLatch(1);
        AtomicInteger stalled = new AtomicInteger();
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        List<Thread> senders = new ArrayList<>();
        for (RawPeer p : peers) {
            Thread t = new Thread(() -> {
                try {
                    p.sendRaw(java.util.Arrays.copyOfRange(frame, 0, cut));
                    stalled.incrementAndGet();
                    finish.await();
                    p.sendRaw(java.util.Arrays.copyOfRange(frame, cut, frame.length));
                } catch (Throwable e) {
                    failures.add(e);
                }
            }, "sender");
            t.start();
            senders.add(t);
        }
        // Senders whose bytes the node is not reading block in write once the kernel's buffers are full; the
        // rest are stalled. Either way the node now holds as much partial data as it is going to.
        Await.until(Duration.ofSeconds(20), () -> stalled.get() >= SENDERS / 4,
                () -> stalled.get() + " senders got their 90% out");

        assertTrue(node.isAlive(), "the node lives: " + node.tail());
        long t0 = System.nanoTime();
        try (RawPeer late = RawPeer.connect(TestNet.ip(10 + SENDERS), self)) {
            assertTrue(late.handshakeAs(TestNet.address(10 + SENDERS, port)).accepted(), "a new peer gets in");
            System.out.printf("new peer's handshake with %d stalled large frames: %d ms%n", SENDERS,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
        }

        finish.countDown();
        for (Thread t : senders) {
            t.join(WAIT.toMillis());
        }
        assertEquals(List.of(), List.copyOf(failures), "every sender got its frame out");
        for (int i = 0; i < SENDERS; i++) {
            NodeAddress peer = TestNet.address(10 + i, port);
            long was = before.get(i);
            Await.until(WAIT, () -> messagesIn(peer, self) == was + 1,
                    () -> "the frame of " + peer + " was delivered; " + node.tail());
        }
        assertTrue(node.isAlive(), node.tail());
    }

    private long messagesIn(NodeAddress peer, NodeAddress self) {
        try {
            return ((Number) node.peerAttribute(self, peer, "MessagesIn")).longValue();
        } catch (Exception e) {
            return -1;
        }
    }

    private static byte[] frameBytes() {
        ByteBuffer b = MessageCodec.encode(new Message.Payload("block", new byte[DATA_BYTES]));
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }
}
