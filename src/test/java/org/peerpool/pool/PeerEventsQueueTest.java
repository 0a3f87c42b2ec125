package org.peerpool.pool;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.peerpool.PeerEvent;
import org.peerpool.wire.NodeAddress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A listener that falls behind does not make the pool wait: events past the queue's
 * bound are dropped and counted, and the ones queued still arrive in order.
 */
class PeerEventsQueueTest {

    private static final NodeAddress SELF = NodeAddress.parse("127.0.0.1:7100");
    private static final NodeAddress PEER = NodeAddress.parse("127.0.0.2:7100");

    @Test
    void eventsPastTheBoundAreDroppedAndCountedNeverWaitedFor() throws Exception {
        ThreadPoolExecutor one = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(3));
        try {
            PeerEvents events = new PeerEvents(one, () -> SELF, PoolClock.SYSTEM);
            CountDownLatch stuck = new CountDownLatch(1);
            CountDownLatch listening = new CountDownLatch(1);
            AtomicInteger heard = new AtomicInteger();
            events.add(e -> {
                listening.countDown();
                try {
                    stuck.await();
                } catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                }
                heard.incrementAndGet();
            });
            events.emit(PeerEvent.Kind.ADDED, PEER, null, "first", null);
            assertTrue(listening.await(10, TimeUnit.SECONDS), "the listener is busy with the first event");
            for (int i = 0; i < 10; i++) {
                events.emit(PeerEvent.Kind.CONNECTED, PEER, null, "n" + i, null);
            }
            assertEquals(7, events.dropped(), "three queued behind the busy listener, seven dropped");
            stuck.countDown();
            one.shutdown();
            assertTrue(one.awaitTermination(10, TimeUnit.SECONDS));
            assertEquals(4, heard.get(), "the first and the three queued");
            events.emit(PeerEvent.Kind.REMOVED, PEER, null, "after stop", null);
            assertEquals(7, events.dropped(), "after stop nothing counts as dropped: nobody is left to tell");
        } finally {
            one.shutdownNow();
        }
    }
}
