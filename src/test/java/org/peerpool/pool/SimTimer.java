package org.peerpool.pool;

import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.Delayed;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One simulated node's timer and event thread, as a {@link ScheduledExecutorService}
 * over the world's queue: what the pool schedules runs at its simulated time, in order,
 * and nothing runs once the node has stopped, as with a real executor shut down.
 */
final class SimTimer extends AbstractExecutorService implements ScheduledExecutorService {

    private final SimWorld world;
    private boolean shutdown;
    /** Tasks handed to {@link #execute} not yet run: the event queue's backlog. */
    private int pending;

    SimTimer(SimWorld world) {
        this.world = world;
    }

    /** True when nothing handed to {@link #execute} waits to run. */
    boolean idle() {
        return pending == 0;
    }

    private final class Task implements ScheduledFuture<Object> {
        private SimWorld.Event event;
        private boolean cancelled;

        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(event.at - world.now(), TimeUnit.NANOSECONDS);
        }

        @Override
        public int compareTo(Delayed o) {
            return Long.compare(getDelay(TimeUnit.NANOSECONDS), o.getDelay(TimeUnit.NANOSECONDS));
        }

        @Override
        public boolean cancel(boolean mayInterrupt) {
            if (isDone()) {
                return false;
            }
            cancelled = true;
            event.cancelled = true;
            return true;
        }

        @Override
        public boolean isCancelled() {
            return cancelled;
        }

        @Override
        public boolean isDone() {
            return cancelled || event.ran;
        }

        @Override
        public Object get() throws ExecutionException {
            throw new UnsupportedOperationException("the simulator never blocks");
        }

        @Override
        public Object get(long timeout, TimeUnit unit) throws ExecutionException {
            throw new UnsupportedOperationException("the simulator never blocks");
        }
    }

    private void checkOpen() {
        if (shutdown) {
            throw new RejectedExecutionException("simulated node stopped");
        }
    }

    @Override
    public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
        checkOpen();
        Task t = new Task();
        t.event = world.at(world.now() + Math.max(0, unit.toNanos(delay)), command, this);
        return t;
    }

    @Override
    public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
        throw new UnsupportedOperationException();
    }

    @Override
    public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
        checkOpen();
        Task t = new Task();
        long periodNanos = unit.toNanos(period);
        Runnable[] self = new Runnable[1];
        self[0] = () -> {
            command.run();
            if (!t.cancelled && !shutdown) {
                t.event = world.at(world.now() + periodNanos, self[0], this);
            }
        };
        t.event = world.at(world.now() + unit.toNanos(initialDelay), self[0], this);
        return new ScheduledFuture<Object>() {
            @Override
            public long getDelay(TimeUnit u) {
                return t.getDelay(u);
            }

            @Override
            public int compareTo(Delayed o) {
                return t.compareTo(o);
            }

            @Override
            public boolean cancel(boolean mayInterrupt) {
                t.cancelled = true;
                t.event.cancelled = true;
                return true;
            }

            @Override
            public boolean isCancelled() {
                return t.cancelled;
            }

            @Override
            public boolean isDone() {
                return t.cancelled;
            }

            @Override
            public Object get() {
                throw new UnsupportedOperationException("the simulator never blocks");
            }

            @Override
            public Object get(long timeout, TimeUnit u) {
                throw new UnsupportedOperationException("the simulator never blocks");
            }
        };
    }

    @Override
    public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay, TimeUnit unit) {
        return scheduleAtFixedRate(command, initialDelay, delay, unit);
    }

    @Override
    public void execute(Runnable command) {
        checkOpen();
        pending++;
        world.at(world.now(), () -> {
            pending--;
            command.run();
        }, this);
    }

    @Override
    public void shutdown() {
        shutdown = true;
        pending = 0;
    }

    @Override
    public List<Runnable> shutdownNow() {
        shutdown();
        return List.of();
    }

    @Override
    public boolean isShutdown() {
        return shutdown;
    }

    @Override
    public boolean isTerminated() {
        return shutdown;
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) {
        return shutdown;
    }
}
