package org.peerpool.bench;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.config.Configurator;
import org.peerpool.Agent;
import org.peerpool.config.NodeConfig;
import org.peerpool.wire.Message;
import org.peerpool.wire.NodeAddress;

/**
 * Handshake latency: a blocking client connects to one agent as a configured lower
 * peer, sends HANDSHAKE and reads the ACK, timed on the client; against a bare
 * ServerSocket that answers the same HANDSHAKE bytes with the same ACK bytes, in the
 * same run, interleaved block by block so both see the same machine noise. Two more
 * servers in the same blocks break the gap down: a bare MINA acceptor built like the
 * agent's transport that answers with the same bytes and no peerpool logic (the
 * floor MINA sets), and the agent with its INFO logging turned off. Per-thread CPU and
 * context switches per handshake show where the time goes.
 */
final class HandshakeLatency {

    private static final int BLOCKS = 10;
    /** Established connections kept open on the agent and the MINA server, as a node with peers has. */
    private static final int RESIDENT = 8;
    private static final int BARE = 0;
    private static final int MINA = 1;
    private static final int AGENT = 2;
    private static final int QUIET = 3;
    private static final String[] NAMES = {"bare socket", "bare MINA", "agent", "agent, INFO off"};

    /**
     * Client source addresses, used in turn: each closed sample leaves a TIME_WAIT socket on
     * its source address, and tens of thousands on one address make every bind() scan the
     * ephemeral range (milliseconds of kernel time per connect, then no port at all).
     */
    private static final int CLIENTS = 100;

    // The agent is the higher address of every pair here: the clients (127.77.7.x) and residents
    // (127.77.1.x) are its lower, canonical initiators, and it never dials them.
    private final InetAddress hubIp = BenchNet.ip(8, 200);
    private final InetAddress bareIp = BenchNet.ip(8, 201);
    private final InetAddress minaIp = BenchNet.ip(8, 202);
    private final int port = BenchNet.freePort(List.of(hubIp, bareIp, minaIp));
    private final NodeAddress hub = NodeAddress.of(hubIp, port);
    private final List<NodeAddress> clients = new ArrayList<>();
    private final List<byte[]> handshakes = new ArrayList<>();
    private final List<byte[]> acks = new ArrayList<>();
    private int nextClient;

    private HandshakeLatency() {
        for (int i = 0; i < CLIENTS; i++) {
            NodeAddress c = NodeAddress.of(BenchNet.ip(7, 1 + i), port);
            clients.add(c);
            handshakes.add(Wire.frame(new Message.Handshake(1, c.toString())));
            acks.add(Wire.frame(new Message.HandshakeAck(true, NodeAddress.ipText(c.ip()), hub.toString(), "")));
        }
    }

    static void run(Settings s, Results r) throws Exception {
        new HandshakeLatency().measure(s, r);
    }

    private void measure(Settings s, Results r) throws Exception {
        List<NodeAddress> residents = new ArrayList<>();
        for (int i = 0; i < RESIDENT; i++) {
            residents.add(NodeAddress.of(BenchNet.ip(1, 101 + i), port));
        }
        List<NodeAddress> peers = new ArrayList<>(residents);
        peers.addAll(clients);
        Agent agent = Agent.builder(NodeConfig.builder(hubIp).port(port).peers(peers).reverseDialAfterS(0).build()).build();
        int ioThreads = Math.max(1, Math.min(2, Runtime.getRuntime().availableProcessors()));
        List<Socket> resident = new ArrayList<>();
        try (AnswerServers.Bare bare = new AnswerServers.Bare(new InetSocketAddress(bareIp, port), handshakes.get(0).length,
                acks.get(0));
             AnswerServers.Mina mina = new AnswerServers.Mina(new InetSocketAddress(minaIp, port), handshakes.get(0).length,
                     acks.get(0), ioThreads)) {
            agent.start();
            // One after the other per server: session ids are consecutive, so the round-robin spreads
            // them over every I/O processor, and no processor's thread stops for want of a session.
            for (NodeAddress a : residents) {
                resident.add(openResident(a, hub.toSocketAddress()));
            }
            for (NodeAddress a : residents) {
                resident.add(openResident(a, mina.address()));
            }
            int perBlock = Math.max(1, s.handshakeSamples() / BLOCKS);
            int n = perBlock * BLOCKS;
            long[][] total = new long[4][n];
            long[][] connect = new long[4][n];
            long[] t = new long[2];
            long self = ProcessHandle.current().pid();
            List<Map<String, Long>> cpu = List.of(new HashMap<>(), new HashMap<>(), new HashMap<>(), new HashMap<>());
            List<Map<String, Long>> switches = List.of(new HashMap<>(), new HashMap<>(), new HashMap<>(), new HashMap<>());
            for (int i = 0; i < s.handshakeWarmup(); i++) {
                sample(bare.address(), null, t);
                sample(mina.address(), null, t);
                sample(hub.toSocketAddress(), agent, t);
            }
            System.out.printf("[bench]   warm-up done (%d each); %d samples each in %d interleaved blocks%n",
                    s.handshakeWarmup(), n, BLOCKS);
            for (int b = 0; b < BLOCKS; b++) {
                for (int v = 0; v < 4; v++) {
                    InetSocketAddress target = v == BARE ? bare.address() : v == MINA ? mina.address() : hub.toSocketAddress();
                    Agent check = v == BARE || v == MINA ? null : agent;
                    if (v == QUIET) {
                        Configurator.setLevel("org.peerpool", Level.WARN);
                    }
                    try {
                        ProcCpu.Snapshot cpu0 = ProcCpu.jvmThreadNanos();
                        ProcCpu.Snapshot sw0 = ProcCpu.threadSwitches(self);
                        for (int i = b * perBlock; i < (b + 1) * perBlock; i++) {
                            sample(target, check, t);
                            connect[v][i] = t[0];
                            total[v][i] = t[1];
                        }
                        ProcCpu.accumulate(switches.get(v), sw0, ProcCpu.threadSwitches(self));
                        ProcCpu.accumulate(cpu.get(v), cpu0, ProcCpu.jvmThreadNanos());
                    } finally {
                        if (v == QUIET) {
                            Configurator.setLevel("org.peerpool", Level.INFO);
                        }
                    }
                }
            }
            report(s, r, agent, n, total, connect, cpu, switches);
        } finally {
            for (Socket sock : resident) {
                sock.close();
            }
            agent.stop();
        }
    }

    private void report(Settings s, Results r, Agent agent, int n, long[][] total, long[][] connect,
                        List<Map<String, Long>> cpu, List<Map<String, Long>> switches) {
        Stats a = Stats.micros(total[AGENT]);
        Stats base = Stats.micros(total[BARE]);
        Stats floor = Stats.micros(total[MINA]);
        Stats quiet = Stats.micros(total[QUIET]);
        Stats ac = Stats.micros(connect[AGENT]);
        Stats bc = Stats.micros(connect[BARE]);
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("samplesEach", n);
        d.put("warmupEach", s.handshakeWarmup());
        d.put("residentConnections", RESIDENT);
        Map<String, Object> byVariant = new LinkedHashMap<>();
        for (int v = 0; v < 4; v++) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("latencyMicros", Stats.micros(total[v]).summary());
            m.put("connectPhaseMicros", Stats.micros(connect[v]).summary());
            // Per handshake, by thread: CPU (the client thread "main" also waits for each close) and wake-ups.
            m.put("cpuMicrosPerHandshakeByThread", ProcCpu.per(cpu.get(v), n, 1e3));
            m.put("contextSwitchesPerHandshakeByThread", ProcCpu.per(switches.get(v), n, 1));
            byVariant.put(NAMES[v], m);
            System.out.printf("[bench]   %-16s p50 %4.0f us; per handshake CPU us %s; context switches %s%n", NAMES[v],
                    Stats.micros(total[v]).p(50), m.get("cpuMicrosPerHandshakeByThread"),
                    m.get("contextSwitchesPerHandshakeByThread"));
        }
        d.put("variants", byVariant);
        if (agent.pool().connectAttempts() != 0 || agent.pool().handshakeFailures() != 0
                || agent.pool().superseded() != 0) {
            throw new IllegalStateException("the agent dialed, rejected or superseded (attempts "
                    + agent.pool().connectAttempts() + ", failures " + agent.pool().handshakeFailures() + ", superseded "
                    + agent.pool().superseded() + "): the samples are not plain accepted handshakes");
        }
        d.put("agentHandshakeFailures", agent.pool().handshakeFailures());
        d.put("agentSuperseded", agent.pool().superseded());
        String method = "Blocking java.net.Socket client (TCP_NODELAY) from 127.77.7.1-100 in turn, configured lower peers "
                + "of one Agent (default I/O threads, INFO logging on, " + RESIDENT + " other peers connected): TCP connect + "
                + "HANDSHAKE + read HANDSHAKE_ACK(accepted=1), timed on the client; then close and wait until the agent has "
                + "dropped it, so every sample is a fresh handshake. " + n + " samples after " + s.handshakeWarmup()
                + " warm-up, in " + BLOCKS + " blocks interleaved with the baseline: the same client against a bare "
                + "ServerSocket thread on 127.77.8.201 reading the same HANDSHAKE bytes and writing the same ACK bytes "
                + "(connect + one request/response). Diagnostics in the same blocks: a bare MINA NioSocketAcceptor set "
                + "up like the agent's transport answering the same bytes (no peerpool code), and the agent with "
                + "org.peerpool logging at WARN.";
        double ratio = a.p(50) / base.p(50);
        r.add(new Results.Row("handshake latency p50", a.p(50), "us",
                String.format("%.0f us (%.2fx bare; bare MINA acceptor %.0f us; agent with INFO logging off %.0f us)",
                        a.p(50), ratio, floor.p(50), quiet.p(50)), base.p(50),
                String.format("%.0f us (connect phase %.0f us, agent's %.0f us)", base.p(50), bc.p(50), ac.p(50)),
                "within 2x bare", ratio <= 2.0, method, d));
        r.add(new Results.Row("handshake latency p99", a.p(99) / 1000.0, "ms",
                String.format("%.2f ms (p90 %.2f ms, max %.1f ms; bare MINA acceptor p99 %.2f ms)", a.p(99) / 1000,
                        a.p(90) / 1000, a.max() / 1000, floor.p(99) / 1000),
                base.p(99) / 1000.0, String.format("%.2f ms", base.p(99) / 1000),
                "under 2 ms", a.p(99) < 2000.0, method, Map.of()));
    }

    /** A connection from {@code as} that completes the handshake and then stays open, idle. */
    private Socket openResident(NodeAddress as, InetSocketAddress target) throws IOException {
        Socket sock = new Socket();
        sock.setSoTimeout(5000);
        sock.bind(new InetSocketAddress(as.ip(), 0));
        sock.connect(target, 5000);
        sock.getOutputStream().write(Wire.frame(new Message.Handshake(1, as.toString())));
        DataInputStream in = new DataInputStream(sock.getInputStream());
        in.readFully(new byte[in.readInt()]);
        return sock;
    }

    /**
     * One connect + request + response from the client address; {@code out[0]} is the
     * connect phase, {@code out[1]} the whole round, both in ns. With an agent, also
     * checks the ACK and waits for the agent to drop the connection after the close.
     */
    private void sample(InetSocketAddress target, Agent agent, long[] out) throws IOException {
        int k = nextClient++ % CLIENTS;
        NodeAddress client = clients.get(k);
        byte[] handshake = handshakes.get(k);
        byte[] reply;
        try (Socket sock = new Socket()) {
            sock.setTcpNoDelay(true);
            sock.setSoTimeout(5000);
            sock.bind(new InetSocketAddress(client.ip(), 0));
            long t0 = System.nanoTime();
            sock.connect(target, 5000);
            long t1 = System.nanoTime();
            OutputStream os = sock.getOutputStream();
            os.write(handshake);
            os.flush();
            DataInputStream in = new DataInputStream(sock.getInputStream());
            reply = new byte[in.readInt()];
            in.readFully(reply);
            long t2 = System.nanoTime();
            out[0] = t1 - t0;
            out[1] = t2 - t0;
        }
        if (agent == null) {
            return;
        }
        if (reply.length < 2 || reply[0] != Message.TYPE_HANDSHAKE_ACK || reply[1] != 1) {
            throw new IOException("agent did not accept the handshake: " + reply.length + " byte reply, type " + reply[0]);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (agent.pool().isConnected(client)) {
            if (System.nanoTime() > deadline) {
                throw new IOException("agent still holds the connection 5 s after the client closed it");
            }
            LockSupport.parkNanos(50_000);
        }
    }
}
