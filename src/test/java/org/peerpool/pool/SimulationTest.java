package org.peerpool.pool;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.peerpool.testing.Keys;
import org.peerpool.testing.QuietLogs;
import org.peerpool.tls.LocalKey;

/**
 * The pool's decisions explored under simulated time: many seeds, each a mesh of nodes
 * under faults and config edits for simulated minutes, every invariant of
 * {@link SimChecks} checked after every event. {@code -Dsim.seeds=N} runs more seeds,
 * {@code -Dsim.seed=S} replays one (a failure prints the command), {@code -Dsim.nodes}
 * and {@code -Dsim.minutes} size each run.
 */
class SimulationTest {

    private static final int SEEDS = Integer.getInteger("sim.seeds", 10_000);
    private static final long FIRST_SEED = Long.getLong("sim.firstSeed", 1);
    private static final Long ONE_SEED = Long.getLong("sim.seed");
    private static final int NODES = Integer.getInteger("sim.nodes", 8);
    private static final int MINUTES = Integer.getInteger("sim.minutes", 10);
    private static final int THREADS = Integer.getInteger("sim.threads", 2);

    private static List<LocalKey> keys;

    @BeforeAll
    static void setUp() throws Exception {
        String[] names = {"sim-a", "sim-b", "sim-c", "sim-d", "sim-e"};
        Keys.prepare(names);
        keys = new ArrayList<>();
        for (String n : names) {
            Keys.Key k = Keys.get(n);
            keys.add(LocalKey.load(k.file(), k.password().toCharArray()));
        }
        // Millions of connects and closes would otherwise be logged.
        QuietLogs.silence(ConnectionPool.class.getName());
    }

    @AfterAll
    static void tearDown() {
        QuietLogs.restore(ConnectionPool.class.getName());
    }

    @Test
    @Timeout(value = 15, unit = TimeUnit.MINUTES)
    void everyInvariantHoldsForEverySeed() throws Exception {
        long first = ONE_SEED != null ? ONE_SEED : FIRST_SEED;
        int count = ONE_SEED != null ? 1 : SEEDS;
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        AtomicLong steps = new AtomicLong();
        AtomicLong simulatedNanos = new AtomicLong();
        long start = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        for (long s = first; s < first + count; s++) {
            long seed = s;
            pool.execute(() -> {
                if (failures.size() >= 5) {
                    return;
                }
                SimRun run = new SimRun(seed, NODES, MINUTES, keys);
                try {
                    run.run();
                } catch (SimRun.Violation v) {
                    failures.add(v.getMessage() + "\n  replay: " + replay(seed));
                } catch (RuntimeException | AssertionError e) {
                    failures.add("seed " + seed + ", step " + run.world.steps() + ": " + e + "\n  at "
                            + stackTop(e) + "\n  replay: " + replay(seed));
                }
                steps.addAndGet(run.world.steps());
                simulatedNanos.addAndGet(run.world.now());
            });
        }
        pool.shutdown();
        assertTrue(pool.awaitTermination(14, TimeUnit.MINUTES), "the seeds did not finish");
        long wallMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        System.out.printf("simulation: %d seeds of %d nodes, %d simulated minutes in all, %d events, %d ms wall%n",
                count, NODES, TimeUnit.NANOSECONDS.toMinutes(simulatedNanos.get()), steps.get(), wallMs);
        if (SimLink.CLOSE_REASONS != null) {
            SimLink.CLOSE_REASONS.entrySet().stream().sorted((a, b) -> b.getValue() - a.getValue()).limit(40)
                    .forEach(e -> System.out.println(e.getValue() + "  " + e.getKey()));
        }
        if (!failures.isEmpty()) {
            fail(failures.size() + " seed(s) broke an invariant:\n" + String.join("\n", failures));
        }
    }

    private static String replay(long seed) {
        return "mvn -B test -Dtest=SimulationTest -Dsim.seed=" + seed + " -Dsim.nodes=" + NODES + " -Dsim.minutes="
                + MINUTES;
    }

    private static String stackTop(Throwable e) {
        StringBuilder b = new StringBuilder();
        StackTraceElement[] st = e.getStackTrace();
        for (int i = 0; i < Math.min(8, st.length); i++) {
            b.append(i == 0 ? "" : "\n     ").append(st[i]);
        }
        return b.toString();
    }
}
