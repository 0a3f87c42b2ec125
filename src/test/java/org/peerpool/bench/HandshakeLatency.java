package org.peerpool.bench;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.peerpool.Agent;
import org.peerpool.config.NodeConfig;
import org.peerpool.wire.Message;
import org.peerpool.wire.NodeAddress;

/**
 * Handshake latency: a blocking client connects to one agent as a configured lower
 * peer, sends HANDSHAKE and reads the ACK, timed on the client; against a bare
 * ServerSocket that answers the same HANDSHAKE bytes with the same ACK bytes, in the
 * same run, interleaved block by block so both see the same machine noise.
 */
final class HandshakeLatency {

    private static final int BLOCKS = 10;

    private final InetAddress clientIp = BenchNet.ip(1, 100);
    private final InetAddress hubIp = BenchNet.ip(1, 200);
    private final InetAddress bareIp = BenchNet.ip(1, 201);
    private final int port = BenchNet.freePort(List.of(clientIp, hubIp, bareIp));
    private final NodeAddress client = NodeAddress.of(clientIp, port);
    private final NodeAddress hub = NodeAddress.of(hubIp, port);
    private final byte[] handshake = Wire.frame(new Message.Handshake(1, client.toString()));
    private final byte[] ack = Wire.frame(new Message.HandshakeAck(true, clientIp.getHostAddress(), hub.toString(), ""));

    static void run(Settings s, Results r) throws Exception {
        new HandshakeLatency().measure(s, r);
    }

    private void measure(Settings s, Results r) throws Exception {
        Agent agent = Agent.builder(NodeConfig.builder(hubIp).port(port).addPeer(client).reverseDialAfterS(0).build())
                .build();
        try (BareServer bare = new BareServer(new InetSocketAddress(bareIp, port), handshake.length, ack)) {
            agent.start();
            int perBlock = Math.max(1, s.handshakeSamples() / BLOCKS);
            int n = perBlock * BLOCKS;
            long[] agentTotal = new long[n];
            long[] agentConnect = new long[n];
            long[] bareTotal = new long[n];
            long[] bareConnect = new long[n];
            long[] t = new long[2];
            for (int i = 0; i < s.handshakeWarmup(); i++) {
                sample(bare.address(), null, t);
                sample(hub.toSocketAddress(), agent, t);
            }
            System.out.printf("[bench]   warm-up done (%d each); %d samples each in %d interleaved blocks%n",
                    s.handshakeWarmup(), n, BLOCKS);
            for (int b = 0; b < BLOCKS; b++) {
                for (int i = b * perBlock; i < (b + 1) * perBlock; i++) {
                    sample(bare.address(), null, t);
                    bareConnect[i] = t[0];
                    bareTotal[i] = t[1];
                }
                for (int i = b * perBlock; i < (b + 1) * perBlock; i++) {
                    sample(hub.toSocketAddress(), agent, t);
                    agentConnect[i] = t[0];
                    agentTotal[i] = t[1];
                }
            }
            Stats a = Stats.micros(agentTotal);
            Stats base = Stats.micros(bareTotal);
            Stats ac = Stats.micros(agentConnect);
            Stats bc = Stats.micros(bareConnect);
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("samplesEach", n);
            d.put("warmupEach", s.handshakeWarmup());
            d.put("agentMicros", a.summary());
            d.put("bareMicros", base.summary());
            d.put("agentConnectPhaseMicros", ac.summary());
            d.put("bareConnectPhaseMicros", bc.summary());
            d.put("agentHandshakeFailures", agent.pool().handshakeFailures());
            d.put("agentSuperseded", agent.pool().superseded());
            d.put("agentConnectionsAccepted", n + s.handshakeWarmup());
            String method = "Blocking java.net.Socket client (TCP_NODELAY) from 127.77.1.100, a configured lower peer of one "
                    + "Agent (default I/O threads): TCP connect + HANDSHAKE + read HANDSHAKE_ACK(accepted=1), timed on the "
                    + "client; then close and wait until the agent has dropped it, so every sample is a fresh handshake. "
                    + n + " samples after " + s.handshakeWarmup() + " warm-up, in " + BLOCKS + " blocks interleaved with "
                    + "the baseline: the same client against a bare ServerSocket thread on 127.77.1.201 reading the same "
                    + "HANDSHAKE bytes and writing the same ACK bytes (connect + one request/response).";
            double ratio = a.p(50) / base.p(50);
            r.add(new Results.Row("handshake latency p50", a.p(50), "us",
                    String.format("%.0f us (%.2fx bare; connect phase %.0f us)", a.p(50), ratio, ac.p(50)), base.p(50),
                    String.format("%.0f us (connect phase %.0f us)", base.p(50), bc.p(50)),
                    "within 2x bare", ratio <= 2.0, method, d));
            r.add(new Results.Row("handshake latency p99", a.p(99) / 1000.0, "ms",
                    String.format("%.2f ms (p90 %.2f ms, max %.1f ms)", a.p(99) / 1000, a.p(90) / 1000, a.max() / 1000),
                    base.p(99) / 1000.0, String.format("%.2f ms", base.p(99) / 1000),
                    "under 2 ms", a.p(99) < 2000.0, "as above", Map.of()));
        } finally {
            agent.stop();
        }
    }

    /**
     * One connect + request + response from the client address; {@code out[0]} is the
     * connect phase, {@code out[1]} the whole round, both in ns. With an agent, also
     * checks the ACK and waits for the agent to drop the connection after the close.
     */
    private void sample(InetSocketAddress target, Agent agent, long[] out) throws IOException {
        byte[] reply;
        try (Socket sock = new Socket()) {
            sock.setTcpNoDelay(true);
            sock.setSoTimeout(5000);
            sock.bind(new InetSocketAddress(clientIp, 0));
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

    /** One thread: accept, read the request, write the response, wait for the client's close, repeat. */
    private static final class BareServer implements AutoCloseable {
        private final ServerSocket server;
        private final Thread thread;

        BareServer(InetSocketAddress at, int requestBytes, byte[] response) throws IOException {
            server = new ServerSocket();
            server.setReuseAddress(true);
            server.bind(at, 1024);
            thread = new Thread(() -> serve(requestBytes, response), "bench-bare-handshake");
            thread.setDaemon(true);
            thread.start();
        }

        InetSocketAddress address() {
            return (InetSocketAddress) server.getLocalSocketAddress();
        }

        private void serve(int requestBytes, byte[] response) {
            byte[] request = new byte[requestBytes];
            while (!server.isClosed()) {
                try (Socket s = server.accept()) {
                    s.setTcpNoDelay(true);
                    InputStream in = s.getInputStream();
                    new DataInputStream(in).readFully(request);
                    s.getOutputStream().write(response);
                    while (in.read() >= 0) {
                        // until the client closes
                    }
                } catch (IOException e) {
                    // closed, or a client gone early: next
                }
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
            try {
                thread.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
