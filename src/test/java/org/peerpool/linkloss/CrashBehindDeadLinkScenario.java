package org.peerpool.linkloss;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

import org.peerpool.Agent;
import org.peerpool.PeerEvent;
import org.peerpool.PeerEvent.Direction;
import org.peerpool.config.NodeConfig;
import org.peerpool.PeerSnapshot;
import org.peerpool.testing.Await;
import org.peerpool.testing.Ini;
import org.peerpool.testing.KernelPairWatch;
import org.peerpool.testing.NodeProcess;
import org.peerpool.testing.PairChecker;
import org.peerpool.testing.ProcNetTcp;
import org.peerpool.testing.TestNet;
import org.peerpool.wire.NodeAddress;

/**
 * A crash its peers cannot see, run inside a private network namespace by
 * {@link SilentLinkLossTest}: node 2 of four runs as its own process and is killed
 * with SIGKILL while its links are cut, so the FIN (or RST) its kernel sends never
 * arrives, and its peers keep stale sessions that look healthy. It restarts on the
 * same config and the links heal. Then, by PROTOCOL.md sections 4 to 6:
 * <ul>
 * <li>nodes 3 and 4 (higher) receive node 2's fresh canonical dial while holding the
 * stale session: the new connection supersedes it at once (GOODBYE
 * {@code superseded});</li>
 * <li>node 1 (lower) initiates the pair, so only it can end its stale session: it
 * refuses node 2's reverse dial while it holds one ({@code wrong direction}), and its
 * keepalive meets the restarted kernel's RST, closes it and dials anew.</li>
 * </ul>
 * No pair is ever on two connections: a checker reads the in-process pools, another
 * the kernel's sockets; node 2's own view is read over JMX at the end. The killed
 * process's orphaned sockets are given one retry ({@code tcp_orphan_retries}, this
 * namespace only) so their FIN cannot arrive late after the heal.
 */
public final class CrashBehindDeadLinkScenario {

    static final int PORT = 7100;
    /** Longer than the whole cut, so the stale sessions outlive the restart. */
    static final int KEEPALIVE_IDLE_S = 15;
    /** Scheduling and the `ip` commands' own time: generous, as the machine may be loaded. */
    static final long SLACK_MS = 5000;
    /**
     * How long a pair may be on two connections (pools or kernel) while one replaces the
     * other: milliseconds, but a loaded machine can stall a node's threads for over a second.
     */
    static final long PAIR_TOLERANCE_MS = 5000;

    private final Report report = new Report();
    private final List<Agent> agents = new ArrayList<>();
    private NodeProcess child;

    public static void main(String[] args) {
        CrashBehindDeadLinkScenario s = new CrashBehindDeadLinkScenario();
        try {
            s.run(Path.of(args[0]));
        } catch (Throwable t) {
            s.report.abort(t);
        } finally {
            s.agents.forEach(Agent::stop);
            try {
                if (s.child != null && s.child.isAlive()) {
                    s.child.kill();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        System.exit(s.report.finish());
    }

    private void run(Path dir) throws Exception {
        Blackhole.prepare();
        Files.writeString(Path.of("/proc/sys/net/ipv4/tcp_orphan_retries"), "1\n");
        List<NodeAddress> all = new ArrayList<>();
        for (int i = 1; i <= 4; i++) {
            all.add(TestNet.address(i, PORT));
        }
        NodeAddress crashing = all.get(1);
        String crashingIp = NodeAddress.ipText(crashing.ip());
        Map<NodeAddress, ConcurrentLinkedQueue<PeerEvent>> events = new HashMap<>();
        for (int i : new int[] {0, 2, 3}) {
            NodeConfig cfg = TestNet.fast(NodeConfig.builder(TestNet.ip(i + 1)).port(PORT).peers(all))
                    .keepaliveIdleS(KEEPALIVE_IDLE_S).keepaliveIntervalS(1).keepaliveCount(2).reverseDialAfterS(1)
                    .build();
            Agent a = Agent.builder(cfg).ioThreads(1).mbeanServer(null).build();
            ConcurrentLinkedQueue<PeerEvent> seen = new ConcurrentLinkedQueue<>();
            a.onPeerEvent(e -> {
                if (e.peer().equals(crashing)) {
                    seen.add(e);
                }
            });
            events.put(a.address(), seen);
            agents.add(a);
            a.start();
        }
        Path ini = dir.resolve("node2.ini");
        Ini.writeInPlace(ini, Ini.text(crashing, all, "keepalive_idle_s = " + KEEPALIVE_IDLE_S,
                "keepalive_interval_s = 1", "keepalive_count = 2", "reverse_dial_after_s = 1"));
        List<String> launch = List.of("-cp", System.getProperty("java.class.path"), "org.peerpool.cli.Main");
        child = NodeProcess.start(launch, ini, dir, "node2-first");
        child.awaitListening(Duration.ofSeconds(30));
        awaitWhole(all);
        List<InetAddress> ips = all.stream().map(NodeAddress::ip).toList();
        Agent lowest = agents.get(0);
        long[] supersededBefore = agents.stream().mapToLong(a -> a.pool().superseded()).toArray();
        long refusedBefore = lowest.pool().handshakeFailures();

        try (PairChecker pools = PairChecker.start(agents, PAIR_TOLERANCE_MS);
             KernelPairWatch kernel = KernelPairWatch.start(ips, PORT, PAIR_TOLERANCE_MS)) {
            // ---- cut node 2 off, kill it: nothing it sends arrives
            events.values().forEach(ConcurrentLinkedQueue::clear);
            long cut = System.nanoTime();
            long cutWallMillis = System.currentTimeMillis();
            for (Agent a : agents) {
                Blackhole.cut(crashingIp, NodeAddress.ipText(a.address().ip()));
            }
            report.check(child.kill() == 137, "node 2 ended by SIGKILL");
            Await.until(Duration.ofSeconds(15), () -> ownSockets(crashing.ip()).isEmpty(),
                    () -> "the killed node's orphaned sockets linger: " + ownSockets(crashing.ip()));
            report.put("orphans_gone_ms", ms(System.nanoTime() - cut));
            report.check(agents.stream().allMatch(a -> a.pool().isConnected(crashing)),
                    "every peer still holds its (stale) session with node 2 after the kill");

            // ---- restart it while still cut, then heal
            child = NodeProcess.start(launch, ini, dir, "node2-second");
            report.put("restart_listening_ms", child.awaitListening(Duration.ofSeconds(30)));
            List<Boolean> staleAtHeal = agents.stream().map(a -> a.pool().isConnected(crashing)).toList();
            report.put("stale_at_heal", staleAtHeal);
            report.check(staleAtHeal.stream().allMatch(b -> b), "stale sessions still held when the link heals");
            long healed = System.nanoTime();
            report.put("cut_ms", ms(healed - cut));
            for (Agent a : agents) {
                Blackhole.heal(crashingIp, NodeAddress.ipText(a.address().ip()));
            }
            awaitWhole(all);
            report.put("whole_after_heal_ms", ms(System.nanoTime() - healed));
            ConcurrentLinkedQueue<PeerEvent> atLowest = events.get(lowest.address());
            Await.until(Duration.ofSeconds(15), () -> atLowest.stream().anyMatch(e -> e.kind() == PeerEvent.Kind.CONNECTED),
                    "the lowest peer's reconnect event");
            long lowestBackMs = atLowest.stream().filter(e -> e.kind() == PeerEvent.Kind.CONNECTED).findFirst()
                    .orElseThrow().at().toEpochMilli() - cutWallMillis;
            report.put("lowest_back_after_cut_ms", lowestBackMs);
            long boundMs = TimeUnit.SECONDS.toMillis(KEEPALIVE_IDLE_S + 2) + SLACK_MS;
            report.check(lowestBackMs <= boundMs, "the lowest peer was back within its keepalive bound: "
                    + lowestBackMs + " ms after the cut, bound " + boundMs + " ms");

            pools.close();
            kernel.close();
            report.put("checker", pools.summary());
            report.put("kernel", kernel.summary());
            report.check(pools.problems().isEmpty(), "pool checker: " + pools.problems());
            report.check(kernel.problems().isEmpty(), "kernel watch: " + kernel.problems());
        }

        for (int k = 0; k < agents.size(); k++) {
            Agent a = agents.get(k);
            List<PeerEvent> seen = List.copyOf(events.get(a.address()));
            String who = a.address().toString();
            List<String> told = seen.stream().map(e -> e.kind() + (e.reason().isEmpty() ? "" : " " + e.reason())).toList();
            report.put("events_" + who, told);
            int held = 1;
            for (PeerEvent e : seen) {
                held += e.kind() == PeerEvent.Kind.CONNECTED ? 1 : e.kind() == PeerEvent.Kind.DISCONNECTED ? -1 : 0;
                report.check(held == 0 || held == 1, who + " held " + held + " connections with node 2: " + told);
            }
            report.check(held == 1, who + " ends with one connection to node 2: " + told);
            String first = seen.isEmpty() ? "" : seen.get(0).reason();
            long superseded = a.pool().superseded() - supersededBefore[k];
            report.put("superseded_" + who, superseded);
            if (a.address().compareTo(crashing) > 0) {
                report.check(first.equals("superseded") && superseded == 1, who + " (higher) had its stale session"
                        + " superseded by node 2's new dial; it ended with '" + first + "', superseded " + superseded);
            } else {
                report.check(first.startsWith("I/O error") && superseded == 0, who + " (lower) closed its stale"
                        + " session on the restarted kernel's reset; it ended with '" + first + "'");
            }
        }
        long refused = lowest.pool().handshakeFailures() - refusedBefore;
        report.put("reverse_dials_refused_by_lowest", refused);
    }

    /** Sockets on this IP that can still send (not TIME_WAIT): the killed process's, until the kernel lets them go. */
    private static List<ProcNetTcp.Socket> ownSockets(InetAddress ip) {
        try {
            return ProcNetTcp.all().stream().filter(s -> s.local().getAddress().equals(ip) && s.state() != 6).toList();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Every pair on one canonical connection: the pools here, node 2 over JMX and the kernel agree. */
    private void awaitWhole(List<NodeAddress> all) {
        NodeAddress crashing = all.get(1);
        List<InetAddress> ips = all.stream().map(NodeAddress::ip).toList();
        String[] last = {""};
        Await.until(Duration.ofSeconds(40), () -> {
            try {
                if (!agents.stream().allMatch(a -> a.pool().connectionCount() == 3)) {
                    last[0] = "pools: " + agents.stream().map(a -> a.address() + "=" + a.pool().connectedPeers()).toList();
                    return false;
                }
                Map<NodeAddress, NodeProcess.End> remote = child.connections(crashing);
                for (Agent a : agents) {
                    PeerSnapshot s = a.pool().snapshot(crashing).orElseThrow();
                    NodeProcess.End r = remote.get(a.address());
                    Direction expected = a.address().compareTo(crashing) < 0 ? Direction.OUTBOUND : Direction.INBOUND;
                    if (r == null || s.direction() != expected || s.reverse() || !s.localSocket().equals(r.remoteSocket())) {
                        last[0] = a.address() + " " + s.direction() + " " + s.localSocket() + " vs node 2 " + r;
                        return false;
                    }
                }
                Map<String, Integer> kernel = KernelPairWatch.connectionsPerPair(ips, PORT);
                if (kernel.size() != 6 || !kernel.values().stream().allMatch(n -> n == 1)) {
                    last[0] = "kernel: " + kernel;
                    return false;
                }
                return true;
            } catch (Exception e) {
                last[0] = e.toString();
                return false;
            }
        }, () -> "not whole: " + last[0] + "\nnode 2:\n" + child.tail());
    }

    private static long ms(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }
}
