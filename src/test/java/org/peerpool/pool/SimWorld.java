package org.peerpool.pool;

import java.util.PriorityQueue;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.random.RandomGenerator;

/**
 * The simulator's world: one queue of events on simulated time, and one random source
 * that every choice of a run draws from, so a seed fixes the whole run. Single-threaded:
 * an event runs to its end before the next starts, and the pools under test, which take
 * their lock and defer their work exactly as on real threads, see time move only between
 * events. Also the {@link PoolClock} of every simulated node.
 */
final class SimWorld implements PoolClock {

    /** One scheduled piece of work; {@code owner} is the node whose timer made it, or -1. */
    static final class Event implements Comparable<Event> {
        final long at;
        final long seq;
        final Runnable work;
        final SimTimer owner;
        boolean cancelled;
        boolean ran;

        Event(long at, long seq, Runnable work, SimTimer owner) {
            this.at = at;
            this.seq = seq;
            this.work = work;
            this.owner = owner;
        }

        @Override
        public int compareTo(Event o) {
            int c = Long.compare(at, o.at);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }

    /** Unix time at the simulation's start: a fixed instant, so a replay is identical. */
    private static final long EPOCH_MILLIS = 1_800_000_000_000L;

    /** Far more events than a run of the simulator's size has without a loop. */
    static final long MAX_STEPS = Long.getLong("sim.maxSteps", 400_000);

    final long seed;
    private final SplittableRandom random;
    private final PriorityQueue<Event> queue = new PriorityQueue<>();
    private long now;
    private long seq;
    private long steps;

    SimWorld(long seed) {
        this.seed = seed;
        this.random = new SplittableRandom(seed);
    }

    // ---------------------------------------------------------------- PoolClock

    @Override
    public long nanoTime() {
        return now;
    }

    @Override
    public long wallMillis() {
        return EPOCH_MILLIS + now / 1_000_000;
    }

    @Override
    public RandomGenerator random() {
        return random;
    }

    // ---------------------------------------------------------------- the queue

    long now() {
        return now;
    }

    long steps() {
        return steps;
    }

    Event at(long whenNanos, Runnable work, SimTimer owner) {
        Event e = new Event(Math.max(whenNanos, now), seq++, work, owner);
        queue.add(e);
        return e;
    }

    Event after(long delayNanos, Runnable work) {
        return at(now + delayNanos, work, null);
    }

    Event afterMs(double ms, Runnable work) {
        return after((long) (ms * 1_000_000), work);
    }

    /**
     * Runs events until the queue is empty or the next is past {@code untilNanos}; calls
     * {@code afterEach} after every event that ran.
     */
    void runUntil(long untilNanos, Runnable afterEach) {
        runUntil(untilNanos, afterEach, () -> false);
    }

    /**
     * As {@link #runUntil(long, Runnable)}, but stops right after the first event (and its
     * {@code afterEach}) that makes {@code stop} true, with the clock left at that event's
     * time: a scripted scenario acts between two events. True if it stopped so.
     */
    boolean runUntil(long untilNanos, Runnable afterEach, BooleanSupplier stop) {
        Event e;
        while ((e = queue.peek()) != null && e.at <= untilNanos) {
            queue.poll();
            if (e.cancelled || (e.owner != null && e.owner.isShutdown())) {
                continue;
            }
            now = e.at;
            e.ran = true;
            steps++;
            if (steps > MAX_STEPS) {
                throw new IllegalStateException("more than " + MAX_STEPS + " events by " + (now / 1_000_000)
                        + " ms: something loops at network pace");
            }
            e.work.run();
            afterEach.run();
            if (stop.getAsBoolean()) {
                return true;
            }
        }
        now = Math.max(now, untilNanos);
        return false;
    }

    // ---------------------------------------------------------------- chance

    boolean chance(double p) {
        return random.nextDouble() < p;
    }

    int nextInt(int bound) {
        return random.nextInt(bound);
    }

    int between(int lo, int hi) {
        return lo + random.nextInt(hi - lo + 1);
    }

    double uniform(double lo, double hi) {
        return lo + random.nextDouble() * (hi - lo);
    }

    /** A one-way network delay: mostly sub-millisecond, sometimes tens of ms. */
    long latencyNanos() {
        double ms = chance(0.9) ? uniform(0.05, 1) : uniform(1, 40);
        return (long) (ms * 1_000_000);
    }

    static long seconds(double s) {
        return (long) (s * TimeUnit.SECONDS.toNanos(1));
    }
}
