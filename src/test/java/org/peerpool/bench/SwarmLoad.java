package org.peerpool.bench;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.peerpool.Agent;
import org.peerpool.PeerEvent;
import org.peerpool.testing.Swarm;
import org.peerpool.testing.SwarmKeys;
import org.peerpool.wire.NodeAddress;

/**
 * Issue 20: 1,000 peers each sending 1 KiB PAYLOADs at 10 a second into one node (an
 * Agent in this JVM, two I/O threads, TLS required with every peer pinned, a payload
 * listener that timestamps arrival), for
 * a fixed spell: delivery latency from the swarm's write to the listener, and links
 * lost (DISCONNECTED events) during the load. Both ends share this JVM's clock and the
 * machine's two cores.
 */
final class SwarmLoad {

    private static final int SUBNET = 161;
    private static final int BYTES = 1024;
    private static final int PER_SECOND = 10;
    private static final int SECONDS = 10;

    private SwarmLoad() {
    }

    static void run(Settings s, Results r) throws Exception {
        int n = s.swarmPeers();
        InetAddress ip = BenchNet.ip(SUBNET, 1);
        int port = BenchNet.freePort(List.of(ip));
        List<NodeAddress> peers = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            peers.add(NodeAddress.of(Swarm.ip(i), port));
        }
        Path dir = Files.createDirectories(s.out().resolve("swarm-load"));
        BenchKeys.Key nodeKey = BenchKeys.make(dir, "node");
        SwarmKeys keys = SwarmKeys.generate(n);
        Agent node = Agent.builder(BenchKeys.tlsConfig(dir, "load-node", NodeAddress.of(ip, port), peers, keys.pins(),
                nodeKey)).ioThreads(2).mbeanServer(null).build();
        int expected = n * PER_SECOND * SECONDS;
        long[] latency = new long[expected * 2];
        AtomicInteger got = new AtomicInteger();
        AtomicLong lost = new AtomicLong();
        node.onPayload((from, topic, data) -> {
            long nanos = System.nanoTime() - ByteBuffer.wrap(data).getLong();
            int k = got.getAndIncrement();
            if (k < latency.length) {
                latency[k] = nanos;
            }
        });
        node.onPeerEvent(e -> {
            if (e.kind() == PeerEvent.Kind.DISCONNECTED) {
                lost.incrementAndGet();
            }
        });
        node.start();
        try (Swarm swarm = Swarm.start(node.address(), n, port, 2, 30_000, 2_000,
                i -> keys.context(i, TlsClient.serverTrust(nodeKey.pin())))) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (swarm.connected() < n || node.pool().connectionCount() < n) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("only " + swarm.connected() + " of " + n + " connected");
                }
                Heap.sleep(20);
            }
            Heap.sleep(1000);
            got.set(0);
            long lostBefore = lost.get();
            swarm.startLoad("load", BYTES, PER_SECOND);
            Heap.sleep(SECONDS * 1000L);
            swarm.stopLoad();
            long sent = swarm.payloadsOut();
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (got.get() < sent && System.nanoTime() < deadline) {
                Heap.sleep(20);
            }
            Heap.sleep(200);
            long linksLost = lost.get() - lostBefore;
            int m = Math.min(got.get(), latency.length);
            long[] samples = java.util.Arrays.copyOf(latency, m);
            Stats st = Stats.millis(samples);
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("peers", n);
            d.put("sent", sent);
            d.put("delivered", got.get());
            d.put("linksLost", linksLost);
            d.put("latencyMs", st.summary());
            String method = "An Agent in the bench JVM (2 I/O threads, [tls] mode = required) listing " + n + " pinned "
                    + "Swarm peers (TLS 1.3, a key of its own each, 2 I/O "
                    + "threads, one timer); once all are connected each peer sends " + PER_SECOND + " PAYLOADs of "
                    + BYTES + " bytes a second for " + SECONDS + " s (" + sent + " sent), stamped at the write; "
                    + "latency = the node's payload listener's nanoTime minus the stamp.";
            r.add(new Results.Row(n + " peers x " + PER_SECOND + "/s x 1 KiB: delivery p99", st.p(99), "ms",
                    String.format("p50 %.2f ms, p99 %.2f ms, max %.1f ms; %d of %d delivered; %d links lost", st.p(50),
                            st.p(99), st.max(), got.get(), sent, linksLost), null, "-", "no link lost",
                    linksLost == 0 && got.get() == sent, method, d));
        } finally {
            node.stop();
        }
    }
}
