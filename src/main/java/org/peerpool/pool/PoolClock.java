package org.peerpool.pool;

import java.util.concurrent.ThreadLocalRandom;
import java.util.random.RandomGenerator;

/**
 * Where the pool reads time and chance: the monotonic clock its timers and ages run on,
 * the wall clock of its ANNOUNCE stamps and event times, and the random source of its
 * backoff and heartbeat jitter. The agent uses the system's; the simulator injects one
 * whose time only moves when it says and whose chance follows one seed, so every
 * decision of a run can be replayed.
 */
interface PoolClock {

    /** Monotonic nanoseconds, as {@link System#nanoTime()}. */
    long nanoTime();

    /** Unix time in milliseconds, as {@link System#currentTimeMillis()}. */
    long wallMillis();

    /** The random source for jitter; for the calling thread when that matters. */
    RandomGenerator random();

    /** The system's clocks and a thread-local random source. */
    PoolClock SYSTEM = new PoolClock() {
        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public long wallMillis() {
            return System.currentTimeMillis();
        }

        @Override
        public RandomGenerator random() {
            return ThreadLocalRandom.current();
        }
    };
}
