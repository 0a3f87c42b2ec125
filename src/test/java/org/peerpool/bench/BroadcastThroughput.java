package org.peerpool.bench;

import java.io.IOException;
import java.lang.reflect.Field;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.mina.core.polling.AbstractPollingIoProcessor;
import org.apache.mina.core.service.SimpleIoProcessorPool;
import org.peerpool.Agent;
import org.peerpool.config.NodeConfig;
import org.peerpool.wire.Message;
import org.peerpool.wire.NodeAddress;

/**
 * Broadcast throughput: one sender agent connected to 16 receiver agents calls
 * broadcast() M times with 100 B and 1 KiB payloads, timed until every receiver's
 * payload listener has seen all M. Baseline, in the same run and alternating with it:
 * a bare java.nio writer, itself a listed peer of the same 16 receivers, pushing the
 * same PAYLOAD frames to them, counted by the same listeners; once with one write per
 * frame per socket (the syscall pattern broadcast() hands to MINA) and once batched
 * (64 KiB writes: what the bare sockets can carry). The target is judged against the
 * batched writer, the higher of the two.
 */
final class BroadcastThroughput {

    private static final int RECEIVERS = 16;
    private static final String TOPIC = "bench";
    /** Broadcasts in flight before the producer waits for the oldest: at most ~1 MiB queued per peer. */
    private static final int WINDOW = 1024;
    private static final int AGENT = 0;
    private static final int PER_FRAME = 1;
    private static final int BATCHED = 2;
    private static final String[] NAMES = {"agent", "bare per-frame", "bare batched"};

    private final List<Agent> receivers = new ArrayList<>();
    private final AtomicLong[] received = new AtomicLong[RECEIVERS];
    private volatile long target;
    private volatile CountDownLatch allReceived = new CountDownLatch(0);
    private Agent sender;
    private BareWriter bare;

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
        InetAddress bareIp = BenchNet.ip(3, 200);
        List<InetAddress> receiverIps = new ArrayList<>();
        for (int i = 0; i < RECEIVERS; i++) {
            receiverIps.add(BenchNet.ip(4, 2 + i));
        }
        List<InetAddress> all = new ArrayList<>(receiverIps);
        all.add(senderIp);
        int port = BenchNet.freePort(all);
        NodeAddress senderAddress = NodeAddress.of(senderIp, port);
        NodeAddress bareAddress = NodeAddress.of(bareIp, port);
        List<NodeAddress> receiverAddresses = receiverIps.stream().map(ip -> NodeAddress.of(ip, port)).toList();
        for (int i = 0; i < RECEIVERS; i++) {
            int k = i;
            received[i] = new AtomicLong();
            Agent a = Agent.builder(NodeConfig.builder(receiverIps.get(i)).port(port)
                    .peers(List.of(senderAddress, bareAddress)).build()).ioThreads(1).build();
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
        bare = new BareWriter(bareAddress, receiverAddresses);
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
        Set<String> senderThreads = processorThreadNames(sender);
        for (int mode = 0; mode < 3; mode++) {
            timed(mode, data, frame, Math.max(1000, messages / 10));
        }
        int rounds = s.broadcastRounds();
        double[][] rates = new double[3][rounds];
        List<Map<String, Object>> cpu = new ArrayList<>(List.of(Map.of(), Map.of(), Map.of()));
        for (int round = 0; round < rounds; round++) {
            for (int k = 0; k < 3; k++) {
                int mode = (round + k) % 3;
                ProcCpu.Snapshot before = ProcCpu.jvmThreadNanos();
                long nanos = timed(mode, data, frame, messages);
                rates[mode][round] = (double) messages * RECEIVERS / (nanos / 1e9);
                Map<String, Long> sums = new HashMap<>();
                ProcCpu.accumulate(sums, before, ProcCpu.jvmThreadNanos(), name -> group(name, senderThreads));
                Map<String, Object> used = ProcCpu.per(sums, 1, 1e6);
                used.put("wallMs", Stats.round(nanos / 1e6));
                cpu.set(mode, used);
                System.out.printf("[bench]   %d B round %d %-14s: %.0f msg/s%n", size, round + 1, NAMES[mode],
                        rates[mode][round]);
            }
        }
        double a = Stats.median(rates[AGENT]);
        double perFrame = Stats.median(rates[PER_FRAME]);
        double batched = Stats.median(rates[BATCHED]);
        double share = a / batched;
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("payloadBytes", size);
        d.put("frameBytes", frame.length);
        d.put("messagesPerRun", messages);
        d.put("receivers", RECEIVERS);
        d.put("senderIoThreadNames", List.copyOf(senderThreads));
        for (int mode = 0; mode < 3; mode++) {
            d.put(NAMES[mode] + " deliveries/s", roundAll(rates[mode]));
            d.put(NAMES[mode] + " CPU ms by thread, last run", cpu.get(mode));
        }
        String label = size == 1024 ? "1 KiB" : size + " B";
        String method = "One sender Agent (default I/O threads) at 127.77.4.1 connected to 16 receiver Agents (1 I/O thread "
                + "each) in one JVM; broadcast(topic, " + label + ") " + messages + " times from one thread (at most "
                + WINDOW + " broadcasts in flight: the producer joins the futures of the oldest), timed until every "
                + "receiver's payload listener counted all of them. Rate = deliveries (messages x 16) per second; MB/s of "
                + "payload. Baseline, same run, rotating with it: a bare peer (127.77.3.200, listed by the receivers) "
                + "writing the same " + frame.length + "-byte PAYLOAD frames over blocking java.nio SocketChannels "
                + "(TCP_NODELAY, direct buffer) to the same receivers, counted by the same listeners: batched (as many "
                + "whole frames per write as fit in 64 KiB; the target's baseline) and one write per frame per socket. "
                + "Median of " + rounds + " rounds each, after one short warm-up run each.";
        r.add(new Results.Row("broadcast throughput " + label + " to 16 peers", a, "msg/s",
                String.format("%.0fk msg/s = %.1f MB/s (%.0f%% of bare batched, %.0f%% of bare per-frame)", a / 1000,
                        a * size / 1e6, share * 100, a / perFrame * 100), batched,
                String.format("batched %.0fk msg/s = %.1f MB/s; per-frame %.0fk msg/s = %.1f MB/s", batched / 1000,
                        batched * size / 1e6, perFrame / 1000, perFrame * size / 1e6),
                "at least 50% of bare", share >= 0.5, method, d));
    }

    private static List<Double> roundAll(double[] v) {
        List<Double> out = new ArrayList<>();
        for (double x : v) {
            out.add((double) Math.round(x));
        }
        return out;
    }

    private static String group(String thread, Set<String> senderThreads) {
        if (thread.equals(Thread.currentThread().getName())) {
            return "producer (broadcast() caller or bare writer)";
        }
        if (senderThreads.contains(thread)) {
            return "sender I/O processors";
        }
        if (thread.startsWith("NioProcessor") || thread.startsWith("peerpool-io-")) {
            return senderThreads.isEmpty() ? "I/O processors (sender and receivers)"
                    : "receivers' I/O processors (read, decode, listener)";
        }
        if (thread.startsWith("peerpool-")) {
            return "agents' timer and event threads";
        }
        return "other (GC, JIT, ...)";
    }

    /**
     * The names MINA gives the sender's I/O processor threads while they run
     * (NioProcessor-N), read by reflection for this breakdown only; empty if the
     * fields are not where this expects them, and the breakdown then lumps all
     * processors together.
     */
    private static Set<String> processorThreadNames(Agent agent) {
        try {
            Object transport = field(Agent.class, "transport").get(agent);
            Object pool = field(transport.getClass(), "processors").get(transport);
            Object[] processors = (Object[]) field(SimpleIoProcessorPool.class, "pool").get(pool);
            Set<String> names = new HashSet<>();
            for (Object p : processors) {
                names.add((String) field(AbstractPollingIoProcessor.class, "threadName").get(p));
            }
            return names;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return Set.of();
        }
    }

    private static Field field(Class<?> type, String name) throws NoSuchFieldException {
        Field f = type.getDeclaredField(name);
        f.setAccessible(true);
        return f;
    }

    /** Nanoseconds for {@code messages} to reach all receivers, sent the {@code mode} way. */
    private long timed(int mode, byte[] data, byte[] frame, int messages) throws Exception {
        for (AtomicLong c : received) {
            c.set(0);
        }
        target = messages;
        allReceived = new CountDownLatch(RECEIVERS);
        long t0 = System.nanoTime();
        if (mode == AGENT) {
            broadcastAll(data, messages);
        } else {
            bare.push(frame, messages, mode == BATCHED);
        }
        if (!allReceived.await(5, TimeUnit.MINUTES)) {
            throw new IllegalStateException(NAMES[mode] + ": receivers got " + List.of(received) + " of " + messages);
        }
        return System.nanoTime() - t0;
    }

    private void broadcastAll(byte[] data, int messages) {
        @SuppressWarnings("unchecked")
        Map<NodeAddress, CompletableFuture<Void>>[] inFlight = new Map[WINDOW];
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
    }

    /**
     * The baseline writer: a plain peer on blocking java.nio SocketChannels, one to each
     * receiver agent (handshaken as a listed peer), pushing the same PAYLOAD frames to
     * the same receivers, which count them with the same listener. Per frame: one write
     * per frame per socket, as broadcast() hands frames over. Batched: as many whole
     * frames as fit in 64 KiB per write, the most the bare sockets can carry.
     */
    private static final class BareWriter implements AutoCloseable {
        private static final int BATCH_BYTES = 65536;
        private final List<SocketChannel> channels = new ArrayList<>();

        BareWriter(NodeAddress self, List<NodeAddress> receivers) throws IOException {
            byte[] handshake = Wire.frame(new Message.Handshake(1, self.toString()));
            for (NodeAddress r : receivers) {
                SocketChannel ch = SocketChannel.open();
                ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                ch.bind(new InetSocketAddress(self.ip(), 0));
                ch.connect(r.toSocketAddress());
                ch.write(ByteBuffer.wrap(handshake));
                Message reply = Wire.read(ch);
                if (!(reply instanceof Message.HandshakeAck ack) || !ack.accepted()) {
                    throw new IOException("receiver " + r + " did not accept the bare writer: " + reply);
                }
                channels.add(ch);
            }
        }

        /** Writes {@code messages} copies of {@code frame} to every receiver; returns when all are written. */
        void push(byte[] frame, int messages, boolean batched) throws IOException {
            int perWrite = batched ? Math.max(1, BATCH_BYTES / frame.length) : 1;
            ByteBuffer buf = ByteBuffer.allocateDirect(frame.length * perWrite);
            for (int i = 0; i < perWrite; i++) {
                buf.put(frame);
            }
            for (int sent = 0; sent < messages; sent += perWrite) {
                int now = Math.min(perWrite, messages - sent);
                for (SocketChannel ch : channels) {
                    buf.limit(now * frame.length).position(0);
                    while (buf.hasRemaining()) {
                        ch.write(buf);
                    }
                }
            }
        }

        @Override
        public void close() throws IOException {
            for (SocketChannel ch : channels) {
                ch.close();
            }
        }
    }
}
