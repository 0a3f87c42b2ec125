package org.peerpool.bench;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.peerpool.Agent;
import org.peerpool.PeerEvent.Direction;
import org.peerpool.config.NodeConfig;
import org.peerpool.PeerSnapshot;
import org.peerpool.wire.NodeAddress;

/**
 * Mesh convergence: N agents on 127.77.2.1..N, every one listing all others, with
 * their listeners bound first and then all started at once; the time until every
 * pool holds N-1 connections, checked for duplicates three ways (pool counters, both
 * ends of every pair naming the same socket, the kernel's socket table) and for
 * wasted attempts. Also the retained heap of the converged mesh, for the plot.
 */
final class MeshConvergence {

    private static final long CONVERGE_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(120);

    /** What one run of one size found. */
    record Run(int nodes, double millis, long attempts, long outbound, long superseded, long handshakeFailures,
               int kernelSockets, int mismatchedPairs, long heapBytes, int socketsLeftAfterStop) {

        long expected() {
            return (long) nodes * (nodes - 1) / 2;
        }

        /** Connections beyond one per pair, by the kernel's count where there is one. */
        long duplicates() {
            long connections = kernelSockets >= 0 ? kernelSockets / 2 : outbound;
            return Math.max(0, connections - expected());
        }

        Map<String, Object> map() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("convergenceMs", Stats.round(millis));
            m.put("connectAttempts", attempts);
            m.put("expectedAttempts", expected());
            m.put("outboundConnections", outbound);
            m.put("kernelEstablishedSockets", kernelSockets);
            m.put("pairsWhoseEndsDisagree", mismatchedPairs);
            m.put("superseded", superseded);
            m.put("handshakeFailures", handshakeFailures);
            m.put("duplicates", duplicates());
            m.put("heapMiB", Stats.round(Heap.mib(heapBytes)));
            m.put("establishedSocketsLeftAfterStop", socketsLeftAfterStop);
            return m;
        }
    }

    private MeshConvergence() {
    }

    static void run(Settings s, Results r) throws Exception {
        // Warm-up, not recorded: class loading, first-use allocations and JIT of the connect path.
        Run warm = once(8);
        System.out.printf("[bench]   mesh warm-up N=8: %.0f ms%n", warm.millis());
        for (int n : s.meshSizes()) {
            String noRoom = noRoomFor(n);
            if (noRoom != null) {
                System.out.println("[bench]   mesh N=" + n + " skipped: " + noRoom);
                r.add(new Results.Row("mesh convergence N=" + n, null, "ms", "skipped: " + noRoom, null, "-",
                        "-", null, method(n, 0), Map.of("skipped", noRoom)));
                continue;
            }
            int runs = n >= 128 ? 1 : s.meshRuns();
            List<Run> done = new ArrayList<>();
            for (int i = 0; i < runs; i++) {
                Run run = once(n);
                System.out.printf("[bench]   mesh N=%d run %d: %.0f ms, %d attempts (expected %d), %d duplicates, "
                                + "kernel %d sockets, heap %.1f MiB%n", n, i + 1, run.millis(), run.attempts(),
                        run.expected(), run.duplicates(), run.kernelSockets(), Heap.mib(run.heapBytes()));
                done.add(run);
            }
            report(r, n, done);
        }
    }

    /** Why N nodes cannot run in this JVM (file descriptors), or null when they can. */
    private static String noRoomFor(int n) {
        long max = Results.Machine.maxOpenFiles();
        long open = Results.Machine.openFiles();
        // Two sockets per pair, plus a listener, selectors and their wakeup fds per agent.
        long need = (long) n * (n - 1) + 12L * n + 300;
        if (max > 0 && open >= 0 && need > max - open) {
            return "needs about " + need + " file descriptors, " + (max - open) + " free of ulimit -n " + max;
        }
        if (n > 254) {
            return "more nodes than one 127.77.2.0/24";
        }
        return null;
    }

    private static String method(int n, int runs) {
        return "N agents (ioThreads 1 each, default config) in one JVM on distinct addresses 127.77.2.1.." + n
                + ", every one listing all others; all listen() first, then start() released together from N threads; "
                + "time from the release until every pool's connectionCount() is N-1 (polled every 1 ms), median of "
                + runs + " run(s). Duplicates: the kernel's ESTABLISHED sockets between the nodes (/proc/net/tcp6, "
                + "told apart by inode, 2 per connection) beyond N(N-1)/2 connections, plus pairs whose two ends "
                + "name different sockets. "
                + "Attempts: sum of pool connectAttempts(). Heap: used heap after full GC with the mesh converged minus "
                + "before the agents were created (both ends of every connection). One unrecorded N=8 warm-up first.";
    }

    private static void report(Results r, int n, List<Run> runs) {
        double[] ms = runs.stream().mapToDouble(Run::millis).toArray();
        double median = Stats.median(ms);
        double heap = Stats.median(runs.stream().mapToDouble(x -> Heap.mib(x.heapBytes())).toArray());
        r.meshPoint(new Results.MeshPoint(n, median, heap));
        long worstDup = runs.stream().mapToLong(Run::duplicates).max().orElse(0);
        long worstMismatch = runs.stream().mapToLong(Run::mismatchedPairs).max().orElse(0);
        boolean attemptsExact = runs.stream().allMatch(x -> x.attempts() == x.expected());
        long attempts = runs.get(0).attempts();
        boolean timeOk = n != 64 || median < 3000;
        String target = (n == 64 ? "under 3 s; " : "") + "0 duplicates; attempts = N(N-1)/2 = " + runs.get(0).expected();
        StringBuilder runsText = new StringBuilder();
        for (Run x : runs) {
            runsText.append(runsText.length() == 0 ? "" : ", ").append(String.format("%.0f", x.millis()));
        }
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("nodes", n);
        d.put("medianMs", Stats.round(median));
        d.put("heapMiBMedian", Stats.round(heap));
        d.put("runs", runs.stream().map(Run::map).toList());
        r.add(new Results.Row("mesh convergence N=" + n, median, "ms",
                String.format("%.0f ms (runs: %s ms); %d duplicates%s; %d attempts%s; heap %.1f MiB", median, runsText,
                        worstDup, worstMismatch == 0 ? "" : ", " + worstMismatch + " pairs whose ends disagree", attempts,
                        attemptsExact ? " = N(N-1)/2" : " (NOT N(N-1)/2 in every run)", heap),
                null, "- (none named)", target, timeOk && worstDup == 0 && worstMismatch == 0 && attemptsExact,
                method(n, runs.size()), d));
    }

    static Run once(int n) throws Exception {
        List<InetAddress> ips = BenchNet.ips(2, n);
        int port = BenchNet.freePort(ips);
        List<NodeAddress> all = ips.stream().map(ip -> NodeAddress.of(ip, port)).toList();
        List<String> before = BenchNet.establishedSockets(ips, -1);
        if (before != null && !before.isEmpty()) {
            System.out.println("[bench]   note: " + before.size() + " sockets between the mesh addresses before N=" + n
                    + " starts, e.g. " + before.get(0));
        }
        long heapBefore = Heap.usedAfterGc();
        List<Agent> agents = new ArrayList<>();
        Run run;
        try {
            for (InetAddress ip : ips) {
                Agent a = Agent.builder(NodeConfig.builder(ip).port(port).peers(all).build()).ioThreads(1).build();
                agents.add(a);
                a.listen();
            }
            CountDownLatch ready = new CountDownLatch(n);
            CountDownLatch gate = new CountDownLatch(1);
            ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
            List<Thread> starters = new ArrayList<>();
            for (Agent a : agents) {
                Thread t = new Thread(() -> {
                    ready.countDown();
                    try {
                        gate.await();
                        a.start();
                    } catch (Throwable e) {
                        errors.add(e);
                    }
                }, "bench-start-" + a.address());
                t.start();
                starters.add(t);
            }
            ready.await();
            Heap.sleep(20);
            long t0 = System.nanoTime();
            gate.countDown();
            long t1 = awaitConverged(agents, n, t0);
            for (Thread t : starters) {
                t.join();
            }
            if (!errors.isEmpty()) {
                throw new IllegalStateException("start failed: " + errors);
            }
            List<String> sockets = BenchNet.establishedSockets(ips, port, n * (n - 1));
            long attempts = 0;
            long outbound = 0;
            long superseded = 0;
            long failures = 0;
            for (Agent a : agents) {
                attempts += a.pool().connectAttempts();
                superseded += a.pool().superseded();
                failures += a.pool().handshakeFailures();
                outbound += a.pool().snapshots().stream().filter(x -> x.direction() == Direction.OUTBOUND).count();
            }
            int mismatched = mismatchedPairs(agents);
            if (sockets != null && sockets.size() != n * (n - 1)) {
                Path dump = Path.of(System.getProperty("bench.out", "target/bench"), "mesh-sockets-N" + n + ".txt");
                Files.createDirectories(dump.getParent());
                Files.write(dump, sockets);
                System.out.println("[bench]   kernel lists " + sockets.size() + " sockets, not " + n * (n - 1)
                        + "; all written to " + dump);
            }
            long heap = Heap.usedAfterGc() - heapBefore;
            run = new Run(n, (t1 - t0) / 1e6, attempts, outbound, superseded, failures,
                    sockets == null ? -1 : sockets.size(), mismatched, heap, 0);
        } finally {
            stopAll(agents);
        }
        List<String> left = BenchNet.establishedSockets(ips, port, 0);
        int leftCount = left == null ? -1 : left.size();
        if (leftCount > 0) {
            System.out.println("[bench]   " + leftCount + " sockets still ESTABLISHED after every agent stopped, e.g. "
                    + left.get(0));
        }
        return new Run(run.nodes(), run.millis(), run.attempts(), run.outbound(), run.superseded(),
                run.handshakeFailures(), run.kernelSockets(), run.mismatchedPairs(), run.heapBytes(), leftCount);
    }

    /**
     * Polls one pool at a time (the first not yet full), so the poll costs one pool
     * read per millisecond whatever N is; then confirms all pools at once.
     */
    private static long awaitConverged(List<Agent> agents, int n, long t0) {
        int next = 0;
        while (true) {
            long now = System.nanoTime();
            while (next < agents.size() && agents.get(next).pool().connectionCount() == n - 1) {
                next++;
            }
            if (next == agents.size()) {
                if (agents.stream().allMatch(a -> a.pool().connectionCount() == n - 1)) {
                    return now;
                }
                next = 0;
            }
            if (now - t0 > CONVERGE_TIMEOUT_NANOS) {
                throw new IllegalStateException("mesh of " + n + " not converged in 120 s; counts "
                        + agents.stream().map(a -> a.pool().connectionCount()).toList());
            }
            Heap.sleep(1);
        }
    }

    /** Pairs whose two ends do not name the same TCP connection. */
    private static int mismatchedPairs(List<Agent> agents) {
        int bad = 0;
        for (int i = 0; i < agents.size(); i++) {
            Agent a = agents.get(i);
            Map<NodeAddress, PeerSnapshot> mine = new LinkedHashMap<>();
            a.pool().snapshots().forEach(x -> mine.put(x.address(), x));
            for (int j = i + 1; j < agents.size(); j++) {
                Agent b = agents.get(j);
                PeerSnapshot ab = mine.get(b.address());
                Optional<PeerSnapshot> ba = b.pool().snapshot(a.address());
                if (ab == null || ba.isEmpty() || ab.connectionId() == 0 || ba.get().connectionId() == 0
                        || !ab.localSocket().equals(ba.get().remoteSocket())) {
                    bad++;
                }
            }
        }
        return bad;
    }

    /** Stops agents in parallel (each waits for its GOODBYEs to flush). */
    static void stopAll(List<Agent> agents) throws InterruptedException {
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(16, Math.max(1, agents.size())));
        for (Agent a : agents) {
            pool.execute(a::stop);
        }
        pool.shutdown();
        if (!pool.awaitTermination(2, TimeUnit.MINUTES)) {
            throw new IllegalStateException("agents did not stop within 2 minutes");
        }
    }
}
