package org.peerpool.testing;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;

import javax.net.ssl.SSLContext;

import org.apache.mina.core.buffer.IoBuffer;
import org.apache.mina.filter.FilterEvent;
import org.apache.mina.filter.ssl.SslEvent;
import org.apache.mina.filter.ssl.SslFilter;
import org.apache.mina.core.service.IoHandlerAdapter;
import org.apache.mina.core.session.AttributeKey;
import org.apache.mina.core.session.IoSession;
import org.apache.mina.transport.socket.nio.NioSocketConnector;
import org.peerpool.wire.Message;
import org.peerpool.wire.MessageCodec;
import org.peerpool.wire.NodeAddress;
import org.peerpool.wire.ProtocolViolationException;

/**
 * Up to a few thousand protocol-correct peers in one JVM, all dialing one node: peer
 * {@code i} speaks from its own loopback address ({@link #ip}, in 127.0.x.y below the
 * node's), sends HANDSHAKE with its limits, then an ANNOUNCE every heartbeat (spread
 * over the interval, not in step), reads and counts what the node sends, and dials
 * again after a short random pause when its connection ends. Plaintext, or TLS 1.3 with
 * each peer its own key and context. Every peer
 * shares one MINA connector, {@code ioThreads} I/O threads and one timer thread: the
 * harness costs what a node's peers would, not a thread per peer. A test can make a
 * peer send, stall its reads, or drop its connection.
 */
public final class Swarm implements AutoCloseable {

    /** Addresses per /24 used: 127.0.x.1 to 127.0.x.250. */
    private static final int PER_NET = 250;
    /** The first 127.0.x network; 127.0.0.x stays for the other tests' nodes. */
    private static final int FIRST_NET = 10;

    private static final AttributeKey PEER = new AttributeKey(Swarm.class, "peer");
    private static final AttributeKey REMAINDER = new AttributeKey(Swarm.class, "remainder");

    /** One simulated peer; its session is replaced on every reconnect. */
    private final class Peer {
        final int index;
        final NodeAddress address;
        /** Null for plaintext; else this peer's TLS context, presenting its key. */
        final SSLContext tls;
        volatile IoSession session;
        volatile boolean accepted;
        long sequence;
        ScheduledFuture<?> heartbeat;
        final AtomicInteger connections = new AtomicInteger();

        Peer(int index, NodeAddress address, SSLContext tls) {
            this.index = index;
            this.address = address;
            this.tls = tls;
        }
    }

    private final NodeAddress target;
    private final long heartbeatMs;
    private final boolean tls;
    private final List<Peer> peers = new ArrayList<>();
    private final NioSocketConnector connector;
    private final ScheduledExecutorService timer;
    private final AtomicInteger accepted = new AtomicInteger();
    private final AtomicLong framesIn = new AtomicLong();
    private final AtomicLong lostBeforeAccepted = new AtomicLong();
    private final AtomicLong payloadsIn = new AtomicLong();
    private final AtomicLong payloadsOut = new AtomicLong();
    private volatile ScheduledFuture<?> load;
    private final ConcurrentLinkedQueue<String> refusals = new ConcurrentLinkedQueue<>();
    private volatile boolean running = true;

    private Swarm(NodeAddress target, int count, int port, int ioThreads, long heartbeatMs,
                  IntFunction<SSLContext> tls) {
        this.target = target;
        this.heartbeatMs = heartbeatMs;
        this.tls = tls != null;
        for (int i = 0; i < count; i++) {
            peers.add(new Peer(i, NodeAddress.of(ip(i), port), tls == null ? null : tls.apply(i)));
        }
        connector = new NioSocketConnector(ioThreads);
        connector.setConnectTimeoutMillis(10_000);
        connector.getSessionConfig().setTcpNoDelay(true);
        connector.setHandler(new Handler());
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "swarm-timer");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Starts {@code count} peers dialing {@code target}, each advertising its own
     * address with {@code port}; the dials are spread over {@code spreadMs}.
     */
    public static Swarm start(NodeAddress target, int count, int port, int ioThreads, long heartbeatMs, long spreadMs) {
        return start(target, count, port, ioThreads, heartbeatMs, spreadMs, null);
    }

    /**
     * As {@link #start(NodeAddress, int, int, int, long, long)}, over TLS 1.3 with peer
     * {@code i}'s client context {@code tls.apply(i)}, made once (it presents that peer's
     * key and checks the node's): each peer sends its HANDSHAKE once the TLS handshake
     * is done.
     */
    public static Swarm start(NodeAddress target, int count, int port, int ioThreads, long heartbeatMs, long spreadMs,
                              IntFunction<SSLContext> tls) {
        Swarm s = new Swarm(target, count, port, ioThreads, heartbeatMs, tls);
        for (Peer p : s.peers) {
            s.timer.schedule(() -> s.dial(p), spreadMs <= 0 ? 0 : ThreadLocalRandom.current().nextLong(spreadMs),
                    TimeUnit.MILLISECONDS);
        }
        return s;
    }

    /** Peer {@code i}'s source IP: 127.0.(10 + i / 250).(1 + i % 250). */
    public static InetAddress ip(int i) {
        try {
            return InetAddress.getByAddress(new byte[] {127, 0, (byte) (FIRST_NET + i / PER_NET), (byte) (1 + i % PER_NET)});
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Every peer's address, as the node lists them. */
    public List<NodeAddress> addresses() {
        return peers.stream().map(p -> p.address).toList();
    }

    public int size() {
        return peers.size();
    }

    /** Peers whose current connection the node accepted. */
    public int connected() {
        return accepted.get();
    }

    /** How many connections peer {@code i} has had accepted so far. */
    public int connectionsOf(int i) {
        return peers.get(i).connections.get();
    }

    /** Connections that closed before the node accepted them (refused, timed out, dropped in handshake). */
    public long lostBeforeAccepted() {
        return lostBeforeAccepted.get();
    }

    public long framesIn() {
        return framesIn.get();
    }

    public long payloadsIn() {
        return payloadsIn.get();
    }

    /** Refusals the node sent (HANDSHAKE_ACK with accepted = 0), first few. */
    public List<String> refusals() {
        return List.copyOf(refusals);
    }

    /** Peer {@code i} sends a PAYLOAD; false when it is not connected. */
    public boolean send(int i, String topic, byte[] data) {
        Peer p = peers.get(i);
        IoSession s = p.session;
        if (s == null || !p.accepted) {
            return false;
        }
        s.write(IoBuffer.wrap(MessageCodec.encode(new Message.Payload(topic, data))));
        return true;
    }

    /**
     * Every connected peer sends {@code perSecond} PAYLOADs of {@code bytes} on {@code topic}
     * until {@link #stopLoad()}: one batch per 10 ms tick of the shared timer, the peers
     * taking turns so each sends at the rate. The first 8 bytes of each are the
     * {@code System.nanoTime()} of the send, for a receiver in this JVM to time delivery.
     */
    public void startLoad(String topic, int bytes, int perSecond) {
        long periodNanos = TimeUnit.SECONDS.toNanos(1) / perSecond;
        long[] next = new long[peers.size()];
        long start = System.nanoTime();
        for (int i = 0; i < next.length; i++) {
            // Spread the peers' first sends over one period: the load is steady, not in bursts.
            next[i] = start + periodNanos * i / next.length;
        }
        load = timer.scheduleAtFixedRate(() -> {
            long now = System.nanoTime();
            for (Peer p : peers) {
                while (next[p.index] <= now) {
                    next[p.index] += periodNanos;
                    IoSession s = p.session;
                    if (s != null && p.accepted) {
                        byte[] data = new byte[bytes];
                        ByteBuffer.wrap(data).putLong(System.nanoTime());
                        s.write(IoBuffer.wrap(MessageCodec.encode(new Message.Payload(topic, data))));
                        payloadsOut.incrementAndGet();
                    }
                }
            }
        }, 0, 10, TimeUnit.MILLISECONDS);
    }

    /** Stops the load; once it returns, no further PAYLOAD is sent. */
    public void stopLoad() throws InterruptedException {
        if (load != null) {
            load.cancel(false);
            try {
                // One timer thread: a task queued now runs after any tick that was under way.
                timer.submit(() -> { }).get();
            } catch (java.util.concurrent.ExecutionException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    public long payloadsOut() {
        return payloadsOut.get();
    }

    /** Peer {@code i} stops reading (its kernel buffers fill; it still sends heartbeats). */
    public void stall(int i) {
        IoSession s = peers.get(i).session;
        if (s != null) {
            s.suspendRead();
        }
    }

    /** Peer {@code i} drops its connection without GOODBYE; it dials again after a pause. */
    public void drop(int i) {
        IoSession s = peers.get(i).session;
        if (s != null) {
            s.closeNow();
        }
    }

    private void dial(Peer p) {
        if (!running) {
            return;
        }
        // The peer is set before the session starts: TLS may be done before the connect future's listener runs.
        connector.connect(new InetSocketAddress(target.ip(), target.port()), new InetSocketAddress(p.address.ip(), 0),
                        (session, future) -> {
                            session.setAttribute(PEER, p);
                            p.session = session;
                        })
                .addListener(f -> {
                    org.apache.mina.core.future.ConnectFuture cf = (org.apache.mina.core.future.ConnectFuture) f;
                    if (cf.isConnected()) {
                        if (!tls) {
                            sendHandshake(p, cf.getSession());
                        }
                    } else {
                        redialLater(p);
                    }
                });
    }

    private void sendHandshake(Peer p, IoSession s) {
        s.write(IoBuffer.wrap(MessageCodec.encode(new Message.Handshake(1, p.address.toString(),
                new Message.Limits(1 << 20, heartbeatMs)))));
    }

    private void redialLater(Peer p) {
        if (running) {
            try {
                timer.schedule(() -> dial(p), 100 + ThreadLocalRandom.current().nextLong(400), TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException closing) {
                // the swarm is closing
            }
        }
    }

    private void heartbeat(Peer p) {
        IoSession s = p.session;
        if (s != null && s.isConnected() && p.accepted) {
            s.write(IoBuffer.wrap(MessageCodec.encode(new Message.Announce(p.address.toString(), ++p.sequence,
                    System.currentTimeMillis()))));
        }
    }

    private final class Handler extends IoHandlerAdapter {
        @Override
        public void sessionCreated(IoSession session) {
            Peer p = (Peer) session.getAttribute(PEER);
            if (p != null && p.tls != null) {
                // First in the chain, before the session opens: the client side of TLS 1.3.
                SslFilter f = new SslFilter(p.tls);
                f.setEnabledProtocols(new String[] {"TLSv1.3"});
                session.getFilterChain().addFirst("tls", f);
            }
        }

        @Override
        public void event(IoSession session, FilterEvent event) {
            if (event == SslEvent.SECURED) {
                Peer p = (Peer) session.getAttribute(PEER);
                if (p != null) {
                    sendHandshake(p, session);
                }
            }
        }

        @Override
        public void messageReceived(IoSession session, Object message) throws ProtocolViolationException {
            Peer p = (Peer) session.getAttribute(PEER);
            IoBuffer in = (IoBuffer) message;
            IoBuffer buf = (IoBuffer) session.getAttribute(REMAINDER);
            if (buf != null) {
                buf.put(in).flip();
            } else {
                buf = in;
            }
            while (buf.remaining() >= MessageCodec.HEADER_BYTES) {
                int length = buf.getInt(buf.position());
                if (buf.remaining() < MessageCodec.HEADER_BYTES + length) {
                    break;
                }
                buf.skip(MessageCodec.HEADER_BYTES);
                byte[] body = new byte[length];
                buf.get(body);
                on(p, session, MessageCodec.decode(ByteBuffer.wrap(body)));
            }
            if (buf.hasRemaining()) {
                IoBuffer keep = IoBuffer.allocate(Math.max(buf.remaining() * 2, 4096)).setAutoExpand(true);
                keep.put(buf);
                session.setAttribute(REMAINDER, keep);
            } else {
                session.removeAttribute(REMAINDER);
            }
        }

        private void on(Peer p, IoSession session, Message m) {
            framesIn.incrementAndGet();
            if (m instanceof Message.HandshakeAck ack) {
                if (!ack.accepted()) {
                    if (refusals.size() < 20) {
                        refusals.add(p.address + ": " + ack.reason());
                    }
                    session.closeNow();
                    return;
                }
                p.accepted = true;
                p.connections.incrementAndGet();
                accepted.incrementAndGet();
                // Spread over the interval: peers that connected together do not beat together.
                long first = ThreadLocalRandom.current().nextLong(heartbeatMs);
                p.heartbeat = timer.scheduleAtFixedRate(() -> heartbeat(p), first, heartbeatMs, TimeUnit.MILLISECONDS);
            } else if (m instanceof Message.Payload) {
                payloadsIn.incrementAndGet();
            }
        }

        @Override
        public void sessionClosed(IoSession session) {
            Peer p = (Peer) session.getAttribute(PEER);
            if (p == null || p.session != session) {
                return;
            }
            if (p.accepted) {
                p.accepted = false;
                accepted.decrementAndGet();
            } else {
                lostBeforeAccepted.incrementAndGet();
            }
            if (p.heartbeat != null) {
                p.heartbeat.cancel(false);
                p.heartbeat = null;
            }
            p.session = null;
            redialLater(p);
        }

        @Override
        public void exceptionCaught(IoSession session, Throwable cause) {
            session.closeNow();
        }
    }

    @Override
    public void close() {
        running = false;
        timer.shutdownNow();
        for (Peer p : peers) {
            IoSession s = p.session;
            if (s != null) {
                s.closeNow();
            }
        }
        connector.dispose(true);
    }
}
