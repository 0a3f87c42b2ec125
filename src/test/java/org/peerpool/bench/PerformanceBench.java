package org.peerpool.bench;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The performance benchmark of issue 6, run by {@code mvn -B -Pbench verify} and not
 * by the normal test run. Measures each figure with its same-run baseline, prints the
 * table (figure | value | baseline | target | met? | method) and writes
 * {@code target/bench/results.json}, {@code results.csv}, {@code results.md} and the
 * plot {@code mesh.svg} (and {@code mesh.png}). A missed target does not fail the build (it is reported); a
 * figure the harness could not measure does. See {@link Settings} for sizes.
 */
class PerformanceBench {

    @FunctionalInterface
    private interface Figure {
        void run() throws Exception;
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.MINUTES)
    void measureEveryFigure() throws Exception {
        Settings s = Settings.fromSystemProperties();
        Results r = new Results(s.asMap());
        System.out.println("[bench] peerpool benchmark " + s.asMap());
        System.out.println("[bench] agents log to " + s.out().resolve("agents.log"));
        figure(s, r, "handshake", () -> HandshakeLatency.run(s, r));
        figure(s, r, "mesh", () -> {
            MeshConvergence.run(s, r);
            JoinLatency.run(s, r);
        });
        figure(s, r, "reload", () -> {
            ReloadLatency.run(s, r);
            KeystoreReloadLatency.run(s, r);
        });
        figure(s, r, "broadcast", () -> BroadcastThroughput.run(s, r));
        figure(s, r, "heap", () -> HeapPerConnection.run(s, r));
        figure(s, r, "idle", () -> IdleCost.run(s, r));
        figure(s, r, "processes", () -> ProcessStartup.run(s, r));
        // The TLS rows measure their own plaintext baselines, with the same clients and sizes.
        figure(s, r, "tls", () -> TlsCost.run(s, r));
        figure(s, r, "swarm", () -> {
            SwarmNode.run(s, r);
            SwarmLoad.run(s, r);
        });
        r.writeAll(s.out());
        System.out.println();
        System.out.println(r.machineLine());
        System.out.println();
        System.out.print(r.table());
        System.out.println();
        System.out.println("[bench] written: " + s.out().toAbsolutePath() + "/{results.json,results.csv,results.md,mesh.svg,mesh.png}");
        assertEquals(java.util.List.of(), r.errors(), "figures the harness could not measure");
    }

    private static void figure(Settings s, Results r, String name, Figure f) {
        if (!s.runs(name)) {
            return;
        }
        long t0 = System.nanoTime();
        System.out.printf("[bench] %s: starting (%s)%n", name, Results.Machine.loadAverage() + " load");
        try {
            f.run();
        } catch (Throwable e) {
            System.out.println("[bench] " + name + " FAILED: " + e);
            e.printStackTrace(System.out);
            r.error(name, e);
        }
        System.out.printf("[bench] %s: done in %.1f s%n", name, (System.nanoTime() - t0) / 1e9);
    }
}
