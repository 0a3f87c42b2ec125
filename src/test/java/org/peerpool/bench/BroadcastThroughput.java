package org.peerpool.bench;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.peerpool.Agent;
import org.peerpool.config.NodeConfig;
import org.peerpool.wire.Message;
import org.peerpool.wire.NodeAddress;

/**
 * Broadcast throughput: one sender agent connected to 16 receiver agents calls
 * broadcast() M times with 100 B and 1 KiB payloads, timed until every receiver's
 * payload listener has seen all M; against a bare NIO writer pushing the same frames,
 * one write per frame per socket, to 16 bare socket readers, alternating in one run.
 */
final class BroadcastThroughput {

    private static final int RECEIVERS = 16;
    private static final String TOPIC = "bench";
    /** Broadcasts in flight before the producer waits for the oldest: at most ~1 MiB queued per peer. */
    private static final int WINDOW = 1024;

    private final List<Agent> receivers = new ArrayList<>();
    private final AtomicLong[] received = new AtomicLong[RECEIVERS];
    private volatile long target;
    private volatile CountDownLatch allReceived = new CountDownLatch(0);
    private Agent sender;
    private BareFanout bare;

    private BroadcastThroughput() {
    }

    static void run(Settings s, Results r) throws Exception {
        BroadcastThroughput b = new BroadcastThroughput();
        try {
            b.setUp();
            b.measure(s, r, 100, s.broadcastSmall());
            b.measure(s, r, 1024, s.broadcastLarge());
        } finally {
            b.tearDown();
        }
    }

    private void setUp() throws Exception {
        InetAddress senderIp = BenchNet.ip(4, 1);
        List<InetAddress> receiverIps = new ArrayList<>();
        List<InetAddress> all = new ArrayList<>(List.of(senderIp, BenchNet.ip(5, 1)));
        for (int i = 0; i < RECEIVERS; i++) {
            receiverIps.add(BenchNet.ip(4, 2 + i));
            all.add(BenchNet.ip(4, 2 + i));
            all.add(BenchNet.ip(5, 2 + i));
        }
        int port = BenchNet.freePort(all);
        NodeAddress senderAddress = NodeAddress.of(senderIp, port);
        List<NodeAddress> receiverAddresses = receiverIps.stream().map(ip -> NodeAddress.of(ip, port)).toList();
        for (int i = 0; i < RECEIVERS; i++) {
            int k = i;
            received[i] = new AtomicLong();
            Agent a = Agent.builder(NodeConfig.builder(receiverIps.get(i)).port(port).addPeer(senderAddress).build())
                    .ioThreads(1).build();
            a.onPayload((from, topic, data) -> {
                if (received[k].incrementAndGet() == target) {
                    allReceived.countDown();
                }
            });
            receivers.add(a);
            a.start();
        }
        sender = Agent.builder(NodeConfig.builder(senderIp).port(port).peers(receiverAddresses).build()).build();
        sender.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (sender.pool().connectionCount() < RECEIVERS) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("sender connected to " + sender.pool().connectionCount() + " of 16");
            }
            Heap.sleep(5);
        }
        List<InetSocketAddress> sinks = new ArrayList<>();
        for (int i = 0; i < RECEIVERS; i++) {
            sinks.add(new InetSocketAddress(BenchNet.ip(5, 2 + i), port));
        }
        bare = new BareFanout(BenchNet.ip(5, 1), sinks);
    }

    private void tearDown() throws Exception {
        if (bare != null) {
            bare.close();
        }
        List<Agent> all = new ArrayList<>(receivers);
        if (sender != null) {
            all.add(sender);
        }
        MeshConvergence.stopAll(all);
    }

    private void measure(Settings s, Results r, int size, int messages) throws Exception {
        byte[] data = new byte[size];
        new Random(size).nextBytes(data);
        byte[] frame = Wire.frame(new Message.Payload(TOPIC, data));
        String senderName = sender.address().toString();
        agentRun(data, Math.max(1000, messages / 10));
        bare.run(frame, Math.max(1000, messages / 10));
        int rounds = s.broadcastRounds();
        double[] agentRates = new double[rounds];
        double[] bareRates = new double[rounds];
        Map<String, Object> agentCpu = null;
        Map<String, Object> bareCpu = null;
        for (int round = 0; round < rounds; round++) {
            for (int side = 0; side < 2; side++) {
                boolean agentNow = (round + side) % 2 == 0;
                ThreadCpu cpu = ThreadCpu.start();
                long nanos = agentNow ? agentRun(data, messages) : bare.run(frame, messages);
                double rate = (double) messages * RECEIVERS / (nanos / 1e9);
                if (agentNow) {
                    agentRates[round] = rate;
                    agentCpu = cpu.since(name -> group(name, senderName));
                    agentCpu.put("wallMs", Stats.round(nanos / 1e6));
                } else {
                    bareRates[round] = rate;
                    bareCpu = cpu.since(name -> name.startsWith("bench-bare-reader") ? "bare readers"
                            : name.equals(Thread.currentThread().getName()) ? "bare writer (benchmark thread)" : "other");
                    bareCpu.put("wallMs", Stats.round(nanos / 1e6));
                }
                System.out.printf("[bench]   %d B round %d %s: %.0f msg/s%n", size, round + 1, agentNow ? "agent" : "bare",
                        rate);
            }
        }
        double a = Stats.median(agentRates);
        double b = Stats.median(bareRates);
        double share = a / b;
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("payloadBytes", size);
        d.put("frameBytes", frame.length);
        d.put("messagesPerRun", messages);
        d.put("receivers", RECEIVERS);
        d.put("agentDeliveriesPerSecond", roundAll(agentRates));
        d.put("bareDeliveriesPerSecond", roundAll(bareRates));
        d.put("agentCpuMsLastRun", agentCpu);
        d.put("bareCpuMsLastRun", bareCpu);
        String label = size == 1024 ? "1 KiB" : size + " B";
        String method = "One sender Agent (default I/O threads) at 127.77.4.1 connected to 16 receiver Agents (1 I/O thread "
                + "each) in one JVM; broadcast(topic, " + label + ") " + messages + " times from one thread (at most "
                + WINDOW + " broadcasts in flight: the producer joins the futures of the oldest), timed until every "
                + "receiver's payload listener counted all of them. Rate = deliveries (messages x 16) per second, MB/s "
                + "of payload. Baseline, same run, alternating: one thread writing the same " + frame.length
                + "-byte frames with one blocking java.nio SocketChannel.write per frame per socket (direct buffer, "
                + "TCP_NODELAY) to 16 plain socket reader threads counting bytes. Median of " + rounds + " rounds each.";
        r.add(new Results.Row("broadcast throughput " + label + " to 16 peers", a, "msg/s",
                String.format("%.0fk msg/s = %.1f MB/s (%.0f%% of bare)", a / 1000, a * size / 1e6, share * 100), b,
                String.format("%.0fk msg/s = %.1f MB/s", b / 1000, b * size / 1e6), "at least 50% of bare",
                share >= 0.5, method, d));
    }

    private static List<Double> roundAll(double[] v) {
        List<Double> out = new ArrayList<>();
        for (double x : v) {
            out.add((double) Math.round(x));
        }
        return out;
    }

    private static String group(String thread, String sender) {
        if (thread.startsWith("peerpool-io-" + sender)) {
            return "sender I/O threads";
        }
        if (thread.startsWith("peerpool-io-")) {
            return "receivers' I/O threads (decode + listener)";
        }
        if (thread.equals(Thread.currentThread().getName())) {
            return "producer (broadcast() caller)";
        }
        if (thread.startsWith("peerpool-")) {
            return "agents' timer/event threads";
        }
        return "other (GC, JIT, ...)";
    }

    /** Nanoseconds for {@code messages} broadcasts to reach all receivers. */
    private long agentRun(byte[] data, int messages) throws Exception {
        for (AtomicLong c : received) {
            c.set(0);
        }
        target = messages;
        allReceived = new CountDownLatch(RECEIVERS);
        @SuppressWarnings("unchecked")
        Map<NodeAddress, CompletableFuture<Void>>[] inFlight = new Map[WINDOW];
        long t0 = System.nanoTime();
        for (int i = 0; i < messages; i++) {
            int slot = i % WINDOW;
            if (inFlight[slot] != null) {
                for (CompletableFuture<Void> f : inFlight[slot].values()) {
                    f.join();
                }
            }
            inFlight[slot] = sender.broadcast(TOPIC, data);
            if (inFlight[slot].size() != RECEIVERS) {
                throw new IllegalStateException("broadcast reached " + inFlight[slot].size() + " peers, not 16");
            }
        }
        if (!allReceived.await(5, TimeUnit.MINUTES)) {
            throw new IllegalStateException("receivers got " + List.of(received) + " of " + messages);
        }
        long t1 = System.nanoTime();
        for (Map<NodeAddress, CompletableFuture<Void>> m : inFlight) {
            if (m != null) {
                m.values().forEach(CompletableFuture::join);
            }
        }
        return t1 - t0;
    }

    /** The baseline: one writer, 16 blocking channels, one write per frame; 16 reader threads. */
    private static final class BareFanout implements AutoCloseable {
        private final List<ServerSocket> servers = new ArrayList<>();
        private final List<SocketChannel> channels = new ArrayList<>();
        private final List<Socket> accepted = new ArrayList<>();
        private final AtomicLong[] bytes = new AtomicLong[RECEIVERS];
        private volatile long targetBytes;
        private volatile CountDownLatch done = new CountDownLatch(0);

        BareFanout(InetAddress from, List<InetSocketAddress> sinks) throws IOException {
            for (int i = 0; i < sinks.size(); i++) {
                ServerSocket ss = new ServerSocket();
                ss.setReuseAddress(true);
                ss.bind(sinks.get(i));
                servers.add(ss);
                SocketChannel ch = SocketChannel.open();
                ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                ch.bind(new InetSocketAddress(from, 0));
                ch.connect(sinks.get(i));
                channels.add(ch);
                Socket s = ss.accept();
                accepted.add(s);
                bytes[i] = new AtomicLong();
                int k = i;
                Thread t = new Thread(() -> read(s, k), "bench-bare-reader-" + i);
                t.setDaemon(true);
                t.start();
            }
        }

        private void read(Socket s, int k) {
            byte[] buf = new byte[65536];
            try (InputStream in = s.getInputStream()) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    if (bytes[k].addAndGet(n) == targetBytes) {
                        done.countDown();
                    }
                }
            } catch (IOException e) {
                // closed at the end
            }
        }

        long run(byte[] frame, int messages) throws Exception {
            for (AtomicLong b : bytes) {
                b.set(0);
            }
            targetBytes = (long) frame.length * messages;
            done = new CountDownLatch(RECEIVERS);
            ByteBuffer buf = ByteBuffer.allocateDirect(frame.length);
            buf.put(frame);
            long t0 = System.nanoTime();
            for (int i = 0; i < messages; i++) {
                for (SocketChannel ch : channels) {
                    buf.clear();
                    while (buf.hasRemaining()) {
                        ch.write(buf);
                    }
                }
            }
            if (!done.await(5, TimeUnit.MINUTES)) {
                throw new IllegalStateException("bare readers did not get every byte");
            }
            return System.nanoTime() - t0;
        }

        @Override
        public void close() throws IOException {
            for (SocketChannel ch : channels) {
                ch.close();
            }
            for (Socket s : accepted) {
                s.close();
            }
            for (ServerSocket ss : servers) {
                ss.close();
            }
        }
    }
}
