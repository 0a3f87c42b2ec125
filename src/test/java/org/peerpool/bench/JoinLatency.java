package org.peerpool.bench;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import javax.management.MBeanServerFactory;

import org.peerpool.Agent;
import org.peerpool.config.NodeConfig;
import org.peerpool.PeerSnapshot;
import org.peerpool.wire.NodeAddress;

/**
 * Join latency: three agents on 127.77.12.1..3 with the production reconnect timings
 * dial a fourth, 127.77.12.4, that is not there; once each has been refused, the
 * fourth starts, and each sample times from its start until all three are connected
 * to it. {@code JoinTest} checks that they all reach it; how soon (README: within a
 * second of its listening) is this figure's, as a wall-clock bound in a test would
 * fail on a loaded machine.
 */
final class JoinLatency {

    private static final int SUBNET = 12;

    private JoinLatency() {
    }

    static void run(Settings s, Results r) throws Exception {
        List<InetAddress> ips = BenchNet.ips(SUBNET, 4);
        int port = BenchNet.freePort(ips);
        List<NodeAddress> all = new ArrayList<>();
        for (InetAddress ip : ips) {
            all.add(NodeAddress.of(ip, port));
        }
        NodeAddress joining = all.get(3);
        int n = s.quick() ? 3 : 10;
        long[] reached = new long[n];
        List<Agent> lower = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                Agent a = agent(all, i);
                a.start();
                lower.add(a);
            }
            for (int k = 0; k < n; k++) {
                ReloadLatency.await(() -> lower.stream().allMatch(a -> !a.pool().isConnected(joining)
                        && a.pool().snapshot(joining).map(PeerSnapshot::failedAttempts).orElse(0) >= 1),
                        System.nanoTime(), "every lower peer refused by the absent node");
                Agent node = agent(all, 3);
                try {
                    long t0 = System.nanoTime();
                    node.start();
                    reached[k] = ReloadLatency.await(() -> node.pool().connectionCount() == 3, t0,
                            "reached by all three lower peers");
                } finally {
                    node.stop();
                }
            }
        } finally {
            lower.forEach(Agent::stop);
        }
        Stats join = Stats.millis(reached);
        String method = "Three agents (127.77.12.1..3, reconnect_min_ms 1000, reconnect_max_ms 60000: the defaults) "
                + "list a fourth, 127.77.12.4, that is down; once each has been refused at least once, the fourth "
                + "agent (its own MBeanServer, as a fresh JVM registers its beans) is started, and the sample is "
                + "the time from start() until its pool holds all three connections; then it stops and the next "
                + "sample waits for the three to be refused again. Polled every 0.5 ms; " + n + " samples.";
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("startToReachedByAllMs", join.summary());
        r.add(new Results.Row("join latency, reached by 3 lower peers p50 / p99", join.p(50), "ms",
                String.format("%.0f / %.0f ms", join.p(50), join.p(99)), null, "- (none named)",
                "p99 under 1000 ms (README, Start-up)", join.p(99) < 1000, method, d));
    }

    private static Agent agent(List<NodeAddress> all, int i) {
        NodeConfig cfg = NodeConfig.builder(all.get(i).ip()).port(all.get(i).port()).peers(all).build();
        return Agent.builder(cfg).ioThreads(1).mbeanServer(MBeanServerFactory.newMBeanServer()).build();
    }
}
