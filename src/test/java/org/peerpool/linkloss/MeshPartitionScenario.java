package org.peerpool.linkloss;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import javax.management.MBeanServerConnection;
import javax.management.remote.JMXConnector;

import org.peerpool.jmx.JmxNames;
import org.peerpool.testing.Ini;
import org.peerpool.testing.MiniJson;
import org.peerpool.testing.NodeProcess;
import org.peerpool.testing.TestNet;
import org.peerpool.wire.NodeAddress;

/**
 * The mesh view's must-show (PROTOCOL.md section 3, VIEW; {@code bin/peerpool mesh}),
 * run inside a private network namespace by {@link MeshPartitionIT}: six node processes
 * on 127.0.0.1..6 in a full mesh, heartbeat 1 s and the lowest idle timeout the config
 * allows (the node never goes below three of the peer's heartbeats, so 3 s). Once whole,
 * the pair 127.0.0.3 - 127.0.0.4 is cut by blackhole rules: no FIN, no RST, so its ends
 * learn of it only by their idle timeout. Then {@code bin/peerpool mesh} on node 1,
 * which is not part of the pair, must name exactly that pair missing and exit 1, within
 * two heartbeat intervals of an end dropping the link (its VIEW goes out at most one
 * heartbeat after the change); healed, it must show no missing pair and exit 0. The
 * moments are read over JMX every 50 ms (nodes 3 and 4's ConnectedPeers, node 1's
 * MeshMissingPairs) and from the command itself, and printed on the RESULT line. Two
 * nodes built before VIEW ({@link LegacyNode}, on 127.0.0.7 and .8, listed by all)
 * are in the mix throughout: their pairs with the six are known from the six's views,
 * their pair with each other shows as unknown, and nothing else changes.
 *
 * <p>Arguments: a scratch directory (each node is laid out as {@code nodeN/etc/peerpool.ini}
 * and {@code nodeN/run}, the pid file {@code nodeN/run/peerpool.pid}, as
 * {@code bin/peerpool} expects) and the source tree whose {@code bin/peerpool} and
 * {@code target/peerpool.jar} to use.
 */
public final class MeshPartitionScenario {

    static final int N = 6;
    /** Nodes built before VIEW (as the Python reference node is), on 127.0.0.7 and .8: listed by all, never a view. */
    static final int LEGACY = 2;
    /** Pairs among the six, and each with each legacy node: all connected, and known so from the views. */
    static final int CONNECTED = N * (N - 1) / 2 + N * LEGACY;
    static final int PORT = 7100;
    static final int HEARTBEAT_S = 1;
    /** The config's minimum; the node still waits three of the peer's heartbeats (PROTOCOL.md section 3, limits). */
    static final int IDLE_TIMEOUT_S = 1;
    static final int EFFECTIVE_IDLE_MS = 3 * HEARTBEAT_S * 1000;
    /** Scheduling, JMX polling and the idle check's own tick on a loaded two-core machine: generous. */
    static final long SLACK_MS = 3000;
    static final int OBSERVER = 1;
    static final int CUT_A = 3;
    static final int CUT_B = 4;

    private final Report report = new Report();
    private final List<NodeProcess> nodes = new ArrayList<>();
    private final List<LegacyNode> legacy = new ArrayList<>();
    private final List<JMXConnector> connectors = new ArrayList<>();
    private final List<String> timeline = new ArrayList<>();
    private Path root;
    private Path home;
    private boolean cut;
    private long t0;

    public static void main(String[] args) {
        MeshPartitionScenario s = new MeshPartitionScenario();
        try {
            s.run(Path.of(args[0]), Path.of(args[1]));
        } catch (Throwable t) {
            s.report.abort(t);
        } finally {
            s.cleanUp();
        }
        System.exit(s.report.finish());
    }

    private void cleanUp() {
        if (cut) {
            try {
                Blackhole.heal(ip(CUT_A), ip(CUT_B));
            } catch (IOException e) {
                System.out.println("heal on the way out failed: " + e.getMessage());
            }
        }
        for (JMXConnector c : connectors) {
            try {
                c.close();
            } catch (IOException ignored) {
                // the node is about to be killed
            }
        }
        for (LegacyNode l : legacy) {
            try {
                l.close();
            } catch (IOException ignored) {
                // going away with the scenario
            }
        }
        for (NodeProcess n : nodes) {
            try {
                if (n.isAlive()) {
                    n.kill();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void run(Path dir, Path home) throws Exception {
        this.root = dir.toRealPath();
        this.home = home.toRealPath();
        if (!Files.isRegularFile(this.home.resolve("bin/peerpool")) || !Files.isRegularFile(this.home.resolve("target/peerpool.jar"))) {
            throw new IllegalStateException(this.home + " has no bin/peerpool and target/peerpool.jar ('mvn package' first)");
        }
        List<NodeAddress> all = new ArrayList<>();
        for (int i = 1; i <= N + LEGACY; i++) {
            all.add(TestNet.address(i, PORT));
        }
        String unknownPair = all.get(N) + " " + all.get(N + 1);
        for (int i = N; i < N + LEGACY; i++) {
            legacy.add(new LegacyNode(all.get(i), HEARTBEAT_S * 1000L));
        }
        NodeAddress a = all.get(CUT_A - 1);
        NodeAddress b = all.get(CUT_B - 1);
        String pair = a + " " + b;
        report.put("pair", pair);
        report.put("heartbeat_ms", HEARTBEAT_S * 1000);
        report.put("effective_idle_timeout_ms", EFFECTIVE_IDLE_MS);

        // ---- six nodes, laid out as bin/peerpool expects
        t0 = System.nanoTime();
        List<String> launch = List.of("-cp", System.getProperty("java.class.path"), "org.peerpool.cli.Main");
        for (int i = 1; i <= N; i++) {
            Path etc = Files.createDirectories(root.resolve("node" + i).resolve("etc"));
            Path run = Files.createDirectories(root.resolve("node" + i).resolve("run"));
            Path ini = etc.resolve("peerpool.ini");
            Ini.writeInPlace(ini, Ini.text(all.get(i - 1), all, "heartbeat_interval_s = " + HEARTBEAT_S,
                    "idle_timeout_s = " + IDLE_TIMEOUT_S));
            nodes.add(NodeProcess.start(launch, ini, run, "peerpool"));
        }
        for (NodeProcess n : nodes) {
            n.awaitListening(Duration.ofSeconds(40));
        }
        report.put("listening_ms", sinceStart());
        MBeanServerConnection observer = jmx(OBSERVER);
        MBeanServerConnection endA = jmx(CUT_A);
        MBeanServerConnection endB = jmx(CUT_B);
        NodeAddress self = all.get(OBSERVER - 1);

        // ---- whole: node 1 knows every pair connected but the two legacy nodes', which no one has told it of
        await(Duration.ofSeconds(40), () -> missing(observer, self).isEmpty()
                && strings(observer, self, "MeshPairs").size() == CONNECTED, () -> "mesh not whole on node 1: "
                + safe(() -> Arrays.asList((String[]) observer.getAttribute(JmxNames.pool(self), "MeshPairs"))));
        Cli whole = awaitCli(Duration.ofSeconds(30), r -> r.exit == 0, "mesh");
        report.put("whole_ms", sinceStart());
        report.check(whole.out.startsWith("Mesh as " + self + " knows it: 8 nodes, 28 pairs: 27 connected, 0 missing,"
                + " 1 unknown"), "whole: mesh on node 1 shows 27 connected pairs and the legacy pair unknown, exit 0:\n"
                + whole.out);
        report.check(whole.out.contains("\n8  " + all.get(N + 1) + "    +  +  +  +  +  +  ?  .\n"),
                "the legacy nodes' row shows their pair unknown:\n" + whole.out);
        report.put("unknown_pair", unknownPair);
        Cli wholeJson = cli("mesh", "--json");
        checkJson(wholeJson, 0, CONNECTED, List.of(), "whole");

        // ---- cut 3 <-> 4
        Blackhole.prepare();
        Watch watch = new Watch(observer, self, endA, a, endB, b);
        long cutAt = System.nanoTime();
        watch.start(cutAt);
        Blackhole.cut(ip(CUT_A), ip(CUT_B));
        cut = true;
        report.check(Blackhole.rules().contains("blackhole"), "the cut is in place: " + Blackhole.rules());

        Cli named = awaitCli(Duration.ofSeconds(30), r -> r.exit != 0, "mesh");
        long namedCliMs = ms(named.endedAt - cutAt);
        report.check(named.exit == 1, "mesh on node 1 exits 1 while the pair is cut, not " + named.exit + ":\n"
                + named.out + named.err);
        List<String> missingLines = named.out.lines().dropWhile(l -> !l.startsWith("Missing pairs"))
                .skip(1).takeWhile(l -> !l.isBlank()).map(String::strip).toList();
        report.check(missingLines.equals(List.of(a + "  " + b)), "mesh on node 1 names exactly " + pair
                + " missing: " + missingLines + "\n" + named.out);
        report.check(named.out.startsWith("Mesh as " + self + " knows it: 8 nodes, 28 pairs: 26 connected, 1 missing,"
                + " 1 unknown"), "the rest of the mesh stays connected:\n" + named.out);
        Cli namedJson = cli("mesh", "--json");
        checkJson(namedJson, 1, CONNECTED - 1, List.of(pair), "cut");

        // The JMX watch saw both ends drop and node 1 learn of it (it may trail the command by one poll).
        await(Duration.ofSeconds(10), () -> watch.seen("dropped_" + CUT_A) && watch.seen("dropped_" + CUT_B)
                && watch.seen("observer_named"), () -> "the watch never saw the drop: " + watch.first);
        long droppedA = watch.ms("dropped_" + CUT_A);
        long droppedB = watch.ms("dropped_" + CUT_B);
        long firstDrop = Math.min(droppedA, droppedB);
        long namedJmx = watch.ms("observer_named");
        report.put("cut_to_dropped_ms", Map.of(String.valueOf(a), droppedA, String.valueOf(b), droppedB));
        report.put("dropped_to_named_jmx_ms", namedJmx - firstDrop);
        report.put("dropped_to_named_cli_ms", namedCliMs - firstDrop);
        report.put("cli_call_ms", ms(named.endedAt - named.startedAt));
        report.put("cut_to_named_cli_ms", namedCliMs);
        long dropBound = EFFECTIVE_IDLE_MS + 1000 + SLACK_MS;
        // The idle timeout runs from the last byte received, up to a heartbeat before the cut.
        long earliest = EFFECTIVE_IDLE_MS - HEARTBEAT_S * 1000 - 200;
        report.check(firstDrop >= earliest, "no end dropped the link before its idle timeout could pass: "
                + firstDrop + " ms after the cut, earliest " + earliest + " ms");
        report.check(Math.max(droppedA, droppedB) <= dropBound, "both ends dropped the link within the idle timeout"
                + " and a tick: " + droppedA + " and " + droppedB + " ms, bound " + dropBound + " ms");
        long namedBound = 2L * HEARTBEAT_S * 1000 + SLACK_MS;
        report.check(namedJmx - firstDrop <= namedBound, "node 1's MeshMissingPairs named the pair within two"
                + " heartbeats of an end dropping it: " + (namedJmx - firstDrop) + " ms, bound " + namedBound + " ms");
        // The first call that said so began no later than one call after node 1 knew.
        long cliStartMs = ms(named.startedAt - cutAt) - firstDrop;
        report.check(cliStartMs <= namedBound, "the first 'mesh' that exited 1 began within two heartbeats of the"
                + " drop: " + cliStartMs + " ms, bound " + namedBound + " ms");
        report.check(watch.others.isEmpty(), "node 1 never named another pair missing: " + watch.others);

        // ---- heal
        long healAt = System.nanoTime();
        watch.healed(healAt);
        Blackhole.heal(ip(CUT_A), ip(CUT_B));
        cut = false;
        Cli back = awaitCli(Duration.ofSeconds(30), r -> r.exit == 0, "mesh");
        long backCliMs = ms(back.endedAt - healAt);
        report.check(back.out.startsWith("Mesh as " + self + " knows it: 8 nodes, 28 pairs: 27 connected, 0 missing,"
                + " 1 unknown") && !back.out.contains("Missing pairs"), "healed: mesh on node 1 shows no missing pair:\n"
                + back.out);
        checkJson(cli("mesh", "--json"), 0, CONNECTED, List.of(), "healed");
        await(Duration.ofSeconds(10), () -> watch.seen("back_" + CUT_A) && watch.seen("back_" + CUT_B)
                && watch.seen("observer_clear"), () -> "the watch never saw the heal: " + watch.first);
        long backLink = Math.max(watch.ms("back_" + CUT_A), watch.ms("back_" + CUT_B)) - ms(healAt - cutAt);
        long clearJmx = watch.ms("observer_clear") - ms(healAt - cutAt);
        report.put("heal_to_reconnected_ms", backLink);
        report.put("heal_to_clear_jmx_ms", clearJmx);
        report.put("heal_to_clear_cli_ms", backCliMs);
        report.check(clearJmx - backLink <= namedBound, "node 1 cleared the pair within two heartbeats of its"
                + " reconnect: " + (clearJmx - backLink) + " ms, bound " + namedBound + " ms");
        watch.stop();
        report.check(watch.others.isEmpty(), "node 1 never named another pair missing: " + watch.others);

        String rules = Blackhole.rules();
        report.check(!rules.contains("blackhole"), "no blackhole rule is left:\n" + rules);
        report.put("total_ms", sinceStart());
        synchronized (timeline) {
            System.out.println("timeline (ms since the cut):");
            timeline.forEach(l -> System.out.println("  " + l));
        }
    }

    @SuppressWarnings("unchecked")
    private void checkJson(Cli r, int exit, int connected, List<String> missing, String when) {
        report.check(r.exit == exit, when + ": mesh --json exits " + exit + ", not " + r.exit + ":\n" + r.out + r.err);
        try {
            Map<String, Object> m = (Map<String, Object>) MiniJson.parse(r.out);
            List<String> named = new ArrayList<>();
            for (Object o : (List<Object>) m.get("pairs")) {
                Map<String, Object> p = (Map<String, Object>) o;
                if ("missing".equals(p.get("state"))) {
                    named.add(p.get("a") + " " + p.get("b"));
                }
            }
            report.check(named.equals(missing) && ((Number) m.get("missing")).intValue() == missing.size()
                    && ((Number) m.get("connected")).intValue() == connected
                    && ((Number) m.get("unknown")).intValue() == LEGACY * (LEGACY - 1) / 2, when + ": mesh --json shows "
                    + connected
                    + " connected and missing " + missing + ":\n" + r.out);
        } catch (RuntimeException e) {
            report.check(false, when + ": mesh --json printed no mesh (" + e + "):\n" + r.out + r.err);
        }
    }

    // ---------------------------------------------------------------- bin/peerpool

    private record Cli(int exit, String out, String err, long startedAt, long endedAt) { }

    /** {@code bin/peerpool ARGS} against node 1, as an operator runs it. */
    private Cli cli(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("bash", home.resolve("bin/peerpool").toString()));
        cmd.addAll(List.of(args));
        Path node = root.resolve("node" + OBSERVER);
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(root.toFile());
        pb.environment().put("PEERPOOL_CONF", node.resolve("etc").toString());
        pb.environment().put("PEERPOOL_RUN", node.resolve("run").toString());
        pb.environment().put("PEERPOOL_ALLOW_ROOT", "yes");
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().remove("PEERPOOL_JMX_PORT");
        Path out = Files.createTempFile(root, "cli", ".out");
        Path err = Files.createTempFile(root, "cli", ".err");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        long started = System.nanoTime();
        Process p = pb.start();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("bin/peerpool " + String.join(" ", args) + " did not end within 30 s");
        }
        long ended = System.nanoTime();
        Cli r = new Cli(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8), started, ended);
        Files.delete(out);
        Files.delete(err);
        return r;
    }

    /** Runs {@code bin/peerpool ARGS} again and again until {@code done} holds for its result; returns that result. */
    private Cli awaitCli(Duration timeout, Predicate<Cli> done, String... args) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        int calls = 0;
        while (true) {
            Cli r = cli(args);
            calls++;
            if (done.test(r)) {
                System.out.println("bin/peerpool " + String.join(" ", args) + " after " + calls + " call(s), exit "
                        + r.exit + ":\n" + r.out + r.err);
                return r;
            }
            if (r.exit != 0 && r.exit != 1) {
                throw new IllegalStateException("bin/peerpool " + String.join(" ", args) + " failed (" + r.exit + "):\n"
                        + r.out + r.err);
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("bin/peerpool " + String.join(" ", args) + " not as awaited within "
                        + timeout.toMillis() + " ms (" + calls + " calls); last, exit " + r.exit + ":\n" + r.out + r.err);
            }
        }
    }

    // ---------------------------------------------------------------- JMX

    private MBeanServerConnection jmx(int i) throws IOException {
        JMXConnector c = nodes.get(i - 1).jmx();
        connectors.add(c);
        return c.getMBeanServerConnection();
    }

    private static List<String> strings(MBeanServerConnection mbs, NodeAddress self, String attribute) {
        try {
            return Arrays.asList((String[]) mbs.getAttribute(JmxNames.pool(self), attribute));
        } catch (Exception e) {
            throw new IllegalStateException(attribute + " of " + self + ": " + e, e);
        }
    }

    private static List<String> missing(MBeanServerConnection mbs, NodeAddress self) {
        return strings(mbs, self, "MeshMissingPairs");
    }

    /**
     * Reads node 1's MeshMissingPairs and the ConnectedPeers of the pair's ends every 50 ms
     * from the cut on, and keeps the first moment of each change that matters (ms since the cut).
     */
    private final class Watch implements Runnable {
        final Map<String, Long> first = new ConcurrentHashMap<>();
        final List<String> others = new ArrayList<>();
        private final MBeanServerConnection observer;
        private final NodeAddress self;
        private final MBeanServerConnection endA;
        private final NodeAddress a;
        private final MBeanServerConnection endB;
        private final NodeAddress b;
        private final String pair;
        private volatile long cutAt;
        private volatile long healAt = -1;
        private volatile boolean running = true;
        private Thread thread;

        Watch(MBeanServerConnection observer, NodeAddress self, MBeanServerConnection endA, NodeAddress a,
              MBeanServerConnection endB, NodeAddress b) {
            this.observer = observer;
            this.self = self;
            this.endA = endA;
            this.a = a;
            this.endB = endB;
            this.b = b;
            this.pair = a + " " + b;
        }

        void start(long cutAt) {
            this.cutAt = cutAt;
            thread = new Thread(this, "mesh-watch");
            thread.setDaemon(true);
            thread.start();
        }

        void healed(long at) {
            healAt = at;
        }

        void stop() throws InterruptedException {
            running = false;
            thread.join(5000);
        }

        boolean seen(String what) {
            return first.containsKey(what);
        }

        long ms(String what) {
            return first.get(what);
        }

        @Override
        public void run() {
            String[] last = {"", "", ""};
            while (running) {
                try {
                    long now = MeshPartitionScenario.ms(System.nanoTime() - cutAt);
                    boolean afterHeal = healAt >= 0;
                    List<String> seenA = strings(endA, a, "ConnectedPeers");
                    List<String> seenB = strings(endB, b, "ConnectedPeers");
                    List<String> missing = missing(observer, self);
                    note(0, now, a + " ConnectedPeers " + seenA, last);
                    note(1, now, b + " ConnectedPeers " + seenB, last);
                    note(2, now, self + " MeshMissingPairs " + missing, last);
                    boolean aHolds = seenA.contains(b.toString());
                    boolean bHolds = seenB.contains(a.toString());
                    if (!afterHeal) {
                        mark(!aHolds, "dropped_" + CUT_A, now);
                        mark(!bHolds, "dropped_" + CUT_B, now);
                        mark(missing.equals(List.of(pair)), "observer_named", now);
                    } else {
                        mark(aHolds, "back_" + CUT_A, now);
                        mark(bHolds, "back_" + CUT_B, now);
                        mark(missing.isEmpty(), "observer_clear", now);
                    }
                    if (!missing.isEmpty() && !missing.equals(List.of(pair))) {
                        synchronized (others) {
                            others.add("+" + now + " ms: " + missing);
                        }
                    }
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException e) {
                    synchronized (timeline) {
                        timeline.add("watch: " + e);
                    }
                }
            }
        }

        private void mark(boolean holds, String what, long now) {
            if (holds) {
                first.putIfAbsent(what, now);
            }
        }

        private void note(int slot, long now, String value, String[] last) {
            if (!value.equals(last[slot])) {
                last[slot] = value;
                synchronized (timeline) {
                    timeline.add(String.format("%6d  %s", now, value));
                }
            }
        }
    }

    // ---------------------------------------------------------------- helpers

    private interface Check {
        boolean holds() throws Exception;
    }

    private interface Text {
        Object get() throws Exception;
    }

    private static void await(Duration timeout, Check check, java.util.function.Supplier<String> what) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                if (check.holds()) {
                    return;
                }
            } catch (RuntimeException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("not within " + timeout.toMillis() + " ms: " + what.get());
            }
            Thread.sleep(50);
        }
    }

    private static String safe(Text t) {
        try {
            return String.valueOf(t.get());
        } catch (Exception e) {
            return e.toString();
        }
    }

    private static String ip(int i) {
        return NodeAddress.ipText(TestNet.ip(i));
    }

    private long sinceStart() {
        return ms(System.nanoTime() - t0);
    }

    private static long ms(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }
}
