package org.peerpool;

import java.net.InetAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.peerpool.config.NodeConfig;
import org.peerpool.testing.Await;
import org.peerpool.testing.TestNet;
import org.peerpool.wire.NodeAddress;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 17: stop is bounded whatever an embedder's callbacks do. A payload listener
 * that never returns holds the I/O thread it runs on; stop still returns (the
 * graceful wait, then a bounded wait for the I/O threads), instead of waiting for the
 * I/O threads forever.
 */
@Timeout(120)
class StopBoundTest {

    @Test
    void aListenerThatNeverReturnsDoesNotHoldStop() throws Exception {
        int port = TestNet.freePort(2);
        NodeAddress one = TestNet.address(1, port);
        NodeAddress two = TestNet.address(2, port);
        Agent a = Agent.create(TestNet.fast(NodeConfig.builder(InetAddress.getByName("127.0.0.1")).port(port)
                .addPeer(two)).build());
        Agent b = Agent.builder(TestNet.fast(NodeConfig.builder(InetAddress.getByName("127.0.0.2")).port(port)
                .addPeer(one)).build()).ioThreads(1).build();
        CountDownLatch never = new CountDownLatch(1);
        CountDownLatch inside = new CountDownLatch(1);
        b.onPayload((from, topic, data) -> {
            inside.countDown();
            try {
                never.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        try {
            a.start();
            b.start();
            Await.until(Duration.ofSeconds(15), () -> a.pool().isConnected(two), "connected");
            a.send(two, "stuck", new byte[1]);
            assertTrue(inside.await(15, TimeUnit.SECONDS), "b's only I/O thread is now held by the listener");
            CompletableFuture<Void> stopped = CompletableFuture.runAsync(b::stop);
            Await.until(Duration.ofSeconds(60), stopped::isDone, "stop returned with its I/O thread still held");
        } finally {
            never.countDown();
            a.stop();
            b.stop();
        }
    }
}
