package org.peerpool.transport;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Predicate;


import org.apache.mina.core.future.ConnectFuture;
import org.apache.mina.core.service.IoProcessor;
import org.apache.mina.core.service.SimpleIoProcessorPool;
import org.apache.mina.core.session.IoSession;
import org.apache.mina.filter.ssl.SslFilter;
import org.apache.mina.transport.socket.SocketSessionConfig;
import org.apache.mina.transport.socket.nio.NioProcessor;
import org.apache.mina.transport.socket.nio.NioSession;
import org.apache.mina.transport.socket.nio.NioSocketAcceptor;
import org.apache.mina.transport.socket.nio.NioSocketConnector;
import org.peerpool.config.NodeConfig;
import org.peerpool.pool.Connection;
import org.peerpool.tls.KeyPin;
import org.peerpool.tls.LocalKey;
import org.peerpool.pool.SecurityRules;
import org.peerpool.pool.TransportEvents;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.peerpool.pool.Dialer;
import org.peerpool.wire.MessageCodec;
import org.peerpool.wire.NodeAddress;

/**
 * The node's sockets: one MINA acceptor listening on {@code local_ip:port} and one
 * connector dialing from {@code local_ip}, sharing one small pool of I/O threads.
 * Each session's chain is TCP keepalive setup, TLS where the link uses it (a dial to a
 * peer the rules say to dial with TLS; an accepted connection whose first byte starts
 * TLS), then framing; the handler hands every event to the pool.
 */
public final class Transport implements Dialer {

    private static final Logger log = LoggerFactory.getLogger(Transport.class);
    /** How long a stop waits for the I/O threads to finish what they run. */
    static final long DISPOSE_WAIT_MS = 5000;

    /** Connections the kernel may hold accepted but not yet taken by the acceptor. */
    static final int ACCEPT_BACKLOG = 4096;

    private final TransportEvents pool;
    private final Predicate<NodeAddress> dialGate;
    private final ExecutorService serviceThreads;
    private final SimpleIoProcessorPool<NioSession> processors;
    private final NioSocketAcceptor acceptor;
    private final NioSocketConnector connector;
    private volatile InetSocketAddress bound;
    /** The JSSE contexts of the key in force; replaced when the key is, for new connections. */
    private volatile TlsContext tls;

    /**
     * @param ioThreads how many I/O threads serve this node's sockets
     * @param dialGate  a destination it refuses is failed as if unreachable (a test seam
     *                  for firewalls); production passes {@code a -> true}
     */
    public Transport(TransportEvents pool, String name, int ioThreads, Predicate<NodeAddress> dialGate) {
        this.pool = pool;
        this.dialGate = dialGate;
        this.serviceThreads = Executors.newCachedThreadPool(r -> daemon(r, "peerpool-io-" + name));
        this.processors = new SimpleIoProcessorPool<>(NioProcessor.class, serviceThreads, ioThreads, null);
        @SuppressWarnings({"unchecked", "rawtypes"})
        IoProcessor<NioSession> shared = (IoProcessor) processors;
        this.acceptor = new NioSocketAcceptor(serviceThreads, shared);
        this.connector = new NioSocketConnector(serviceThreads, shared);
        SessionHandler handler = new SessionHandler(pool);
        FrameDecoder frames = new FrameDecoder(s -> {
            Connection c = SessionHandler.connectionOf(s);
            return c == null ? MessageCodec.MAX_HANDSHAKE_FRAME : c.maxBodyBytes();
        }, new InboundBudget(() -> pool.config().maxInboundBufferBytes()));
        TcpKeepAliveFilter keepAlive = new TcpKeepAliveFilter(pool::config);
        acceptor.getFilterChain().addLast("keepalive", keepAlive);
        acceptor.getFilterChain().addLast(FirstByteFilter.NAME, new FirstByteFilter(this::answerTls));
        acceptor.getFilterChain().addLast("frames", frames);
        acceptor.setHandler(handler);
        acceptor.setReuseAddress(true);
        // A flood's pending connects must fit the accept queue: once it overflows, the kernel drops new SYNs,
        // a real peer's among them, and that peer retries only after 1 s, then 3 s. The kernel caps this at
        // net.core.somaxconn (4096 by default since Linux 5.4).
        acceptor.setBacklog(ACCEPT_BACKLOG);
        // Sessions belong to the pool: unbinding (shutdown, a new local address) must not cut them before their GOODBYE.
        acceptor.setCloseOnDeactivation(false);
        connector.getFilterChain().addLast("keepalive", keepAlive);
        connector.getFilterChain().addLast("frames", frames);
        connector.setHandler(handler);
        tune(acceptor.getSessionConfig());
        tune(connector.getSessionConfig());
    }

    private static void tune(SocketSessionConfig cfg) {
        cfg.setTcpNoDelay(true);
        cfg.setReuseAddress(true);
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** Listens on {@code address}; fails with a clear message when it is taken. */
    public void bind(NodeAddress address) throws IOException {
        InetSocketAddress sa = address.toSocketAddress();
        try {
            acceptor.bind(sa);
        } catch (IOException e) {
            throw new IOException("cannot listen on " + address + ": " + (e.getMessage() == null ? e : e.getMessage()), e);
        }
        bound = sa;
    }

    /**
     * Moves the listener to {@code next}: binds the new address first, so a failure
     * leaves the old one listening, then releases the old one. Open sessions stay.
     */
    public void rebind(NodeAddress next) throws IOException {
        InetSocketAddress old = bound;
        bind(next);
        if (old != null && !old.equals(bound)) {
            acceptor.unbind(old);
        }
    }

    /** Stops listening; open sessions are left to the pool to close. */
    public void unbind() {
        InetSocketAddress sa = bound;
        if (sa != null) {
            acceptor.unbind(sa);
            bound = null;
        }
    }

    @Override
    public void dial(NodeAddress peer, Connection attempt) {
        if (!dialGate.test(peer)) {
            pool.onDialFailed(attempt, new ConnectException("Connection refused (dial gate)"));
            return;
        }
        NodeConfig cfg = pool.config();
        connector.setConnectTimeoutMillis(cfg.handshakeTimeoutMs());
        InetSocketAddress local = new InetSocketAddress(cfg.localIp(), 0);
        SslFilter tlsFilter = SecurityRules.dialsTls(cfg.tls().mode(), cfg.pinsOf(peer))
                ? tlsContext(cfg.tls().localKey()).dialFilter() : null;
        ConnectFuture f = connector.connect(peer.toSocketAddress(), local, (IoSession s, ConnectFuture cf) -> {
            s.setAttribute(SessionHandler.CONNECTION, attempt);
            if (tlsFilter != null) {
                s.getFilterChain().addFirst(FirstByteFilter.TLS, tlsFilter);
            }
        });
        f.addListener(done -> {
            ConnectFuture cf = (ConnectFuture) done;
            if (!cf.isConnected()) {
                pool.onDialFailed(attempt, cf.getException());
            }
        });
    }

    /** The filter answering TLS on {@code c}, or null when the pool does not take TLS now. */
    private SslFilter answerTls(Connection c) {
        if (!pool.onTlsOffered(c)) {
            return null;
        }
        // The mode may have turned off since the pool said yes; then there is no key to answer with.
        LocalKey key = pool.config().tls().localKey();
        return key == null ? null : tlsContext(key).answerFilter();
    }

    /** The contexts of {@code key}, made on its first use. */
    private TlsContext tlsContext(LocalKey key) {
        TlsContext t = tls;
        if (t != null && t.key().equals(key)) {
            return t;
        }
        synchronized (this) {
            t = tls;
            if (t == null || !t.key().equals(key)) {
                try {
                    t = TlsContext.create(key, this::pinsOf);
                } catch (GeneralSecurityException e) {
                    // The key loaded and validated; a JDK that cannot use it is broken, not misconfigured.
                    throw new IllegalStateException("cannot set up TLS with " + key + ": " + e.getMessage(), e);
                }
                tls = t;
            }
            return t;
        }
    }

    /** The pins of a dialed address, from the configuration in force when the responder's key arrives. */
    private Set<KeyPin> pinsOf(String host, int port) {
        try {
            return pool.config().pinsOf(NodeAddress.of(NodeAddress.parseIp(host, host), port));
        } catch (IllegalArgumentException e) {
            return Set.of();
        }
    }

    /**
     * Closes every socket at once and stops the I/O threads, waiting for them at most
     * {@link #DISPOSE_WAIT_MS}: MINA's dispose waits until each I/O thread has left what
     * it is running, and an embedder's listener or callback that never returns would
     * otherwise hold the node's stop for good.
     */
    public void dispose() {
        acceptor.dispose(false);
        connector.dispose(false);
        Thread disposer = new Thread(processors::dispose, "peerpool-dispose");
        disposer.setDaemon(true);
        disposer.start();
        try {
            disposer.join(DISPOSE_WAIT_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (disposer.isAlive()) {
            log.warn("I/O threads still busy {} ms into the stop (a payload listener or send callback that does not"
                    + " return?); stopping without them", DISPOSE_WAIT_MS);
        }
        serviceThreads.shutdownNow();
    }
}
