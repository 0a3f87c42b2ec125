package org.peerpool.pool;

import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;


/**
 * Ends a connection politely without letting it hang: GOODBYE after everything queued
 * before it, then a half-close so the peer reads to the end and closes its side
 * itself, and a watch that closes hard once nothing has left for
 * {@link #GRACE_MS} (the peer stopped reading, or never closes) or after
 * {@link #MAX_MS} in all.
 */
final class GracefulClose {

    /**
     * How long a closing connection may go without writing a single byte before it is
     * closed hard: its peer stopped reading, so what is still queued would never leave.
     */
    static final long GRACE_MS = 2000;
    /**
     * The longest a graceful close may take while bytes still leave, however slowly:
     * what was queued before the GOODBYE is flushed first, but not forever.
     */
    static final long MAX_MS = 20_000;

    private final ScheduledExecutorService timer;

    private final PoolClock clock;

    GracefulClose(ScheduledExecutorService timer, PoolClock clock) {
        this.timer = timer;
        this.clock = clock;
    }

    /**
     * Sends GOODBYE {@code reason} behind what is queued, then half-closes once it is
     * out; the peer closes on reading it, so by then it has read everything sent before,
     * and a new connection cannot cut that short.
     */
    void goodbye(Connection c, Link l, String reason) {
        c.sendGoodbye(reason).whenComplete((v, failed) -> {
            if (failed == null) {
                l.shutdownOutput();
            } else {
                l.closeNow();
            }
        });
        watch(l);
    }

    /** Closes once everything queued is written (a rejected handshake's ACK). */
    void afterFlush(Link l) {
        l.closeAfterFlush();
        watch(l);
    }

    private void watch(Link l) {
        watchFlush(l, l.bytesOut(), clock.nanoTime() + TimeUnit.MILLISECONDS.toNanos(MAX_MS));
    }

    private void watchFlush(Link l, long bytesOutBefore, long deadlineNanos) {
        try {
            timer.schedule(() -> {
                long out = l.bytesOut();
                if (!l.isOpen()) {
                    return;
                }
                if (out == bytesOutBefore || clock.nanoTime() - deadlineNanos >= 0) {
                    l.closeNow();
                } else {
                    watchFlush(l, out, deadlineNanos);
                }
            }, GRACE_MS, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException stopped) {
            // The node is stopping and its timer is gone: nobody will wait for this flush.
            l.closeNow();
        }
    }
}
