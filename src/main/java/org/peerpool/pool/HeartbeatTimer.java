package org.peerpool.pool;

import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Every connection's ANNOUNCE heartbeat on one timer task. Beats wait in a queue by
 * due time; the task wakes at the earliest and sends every beat due within
 * {@link #COALESCE_NANOS} of it, so a thousand links spread over the interval cost a
 * few timer wake-ups a second (and the I/O threads a few batches of writes) rather
 * than one wake-up per beat, and the timer's queue does not grow with a periodic task
 * per peer. Each beat keeps its own period: a beat sent early by the coalescing is
 * next due one period after its own due time, not after the wake-up.
 */
final class HeartbeatTimer {

    /** How far ahead of its time a beat may go out with an earlier one: small beside any interval. */
    static final long COALESCE_NANOS = TimeUnit.MILLISECONDS.toNanos(250);

    /** One connection's place in the queue, and its handle to stop it. */
    final class Beat {
        final Connection connection;
        final long periodNanos;
        long due;

        Beat(Connection connection, long periodNanos, long due) {
            this.connection = connection;
            this.periodNanos = periodNanos;
            this.due = due;
        }

        /** Ends these beats; one already taken out to be sent may still go, as with any timer. */
        void cancel() {
            stop(this);
        }
    }

    private final ScheduledExecutorService timer;
    private final PoolClock clock;
    private final Consumer<Connection> beat;

    private final Object lock = new Object();
    private final PriorityQueue<Beat> queue = new PriorityQueue<>((a, b) -> Long.compare(a.due, b.due));
    private ScheduledFuture<?> wake;
    private long wakeAt;
    /**
     * Names the one wake-up that counts. A wake-up replaced or cancelled while it already
     * runs finds another number here and does nothing; else it would arm a second chain
     * of wake-ups beside the current one.
     */
    private long wakeNumber;

    /** {@code beat} sends one ANNOUNCE on a connection; it runs on the timer thread, no lock held. */
    HeartbeatTimer(ScheduledExecutorService timer, PoolClock clock, Consumer<Connection> beat) {
        this.timer = timer;
        this.clock = clock;
        this.beat = beat;
    }

    /** Beats {@code c} first after {@code firstNanos}, then every {@code periodNanos}; its handle stops it. */
    Beat start(Connection c, long firstNanos, long periodNanos) {
        Beat b = new Beat(c, periodNanos, clock.nanoTime() + firstNanos);
        synchronized (lock) {
            queue.add(b);
            armLocked();
        }
        return b;
    }

    private void stop(Beat b) {
        synchronized (lock) {
            queue.remove(b);
            if (queue.isEmpty() && wake != null) {
                wake.cancel(false);
                wake = null;
                wakeNumber++;
            }
        }
    }

    /** Beats waiting; for tests. */
    int size() {
        synchronized (lock) {
            return queue.size();
        }
    }

    private void fire(long number) {
        List<Connection> due = new ArrayList<>();
        synchronized (lock) {
            if (number != wakeNumber) {
                return;
            }
            wake = null;
            long now = clock.nanoTime();
            while (!queue.isEmpty() && queue.peek().due - now <= COALESCE_NANOS) {
                Beat b = queue.poll();
                due.add(b.connection);
                b.due += b.periodNanos;
                if (b.due - now <= COALESCE_NANOS) {
                    // The timer fell behind (a paused process): go on from now rather than beat in a burst.
                    b.due = now + b.periodNanos;
                }
                queue.add(b);
            }
            armLocked();
        }
        for (Connection c : due) {
            beat.accept(c);
        }
    }

    /** Keeps one wake-up set for the earliest beat. */
    private void armLocked() {
        Beat head = queue.peek();
        if (head == null || (wake != null && wakeAt - head.due <= 0)) {
            return;
        }
        if (wake != null) {
            wake.cancel(false);
        }
        long number = ++wakeNumber;
        try {
            wakeAt = head.due;
            wake = timer.schedule(() -> fire(number), Math.max(0, head.due - clock.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException stopped) {
            // The agent is stopping; its connections are about to be closed with the rest.
            wake = null;
        }
    }
}
