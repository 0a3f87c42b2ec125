package org.peerpool;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;

import javax.management.MBeanServer;

import org.peerpool.config.ConfigControl;
import org.peerpool.config.ConfigWatcher;
import org.peerpool.config.NodeConfig;
import org.peerpool.jmx.JmxExposure;
import org.peerpool.pool.ConnectionPool;
import org.peerpool.pool.Link;
import org.peerpool.sources.JndiDnsResolver;
import org.peerpool.sources.PeerMerge;
import org.peerpool.sources.PeerResolver;
import org.peerpool.sources.PeerSources;
import org.peerpool.transport.Transport;
import org.peerpool.wire.Message;
import org.peerpool.wire.NodeAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One peerpool node: the facade an embedding application (and {@code main}, and the
 * tests) creates. It wires the pool, the transport and their threads, starts and
 * stops them in order, and offers send, broadcast and subscriptions. Several agents
 * can live in one JVM; they share nothing.
 */
public final class Agent implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Agent.class);
    /**
     * How long {@link #stop()} waits at most for GOODBYEs to flush. The pool closes a
     * stalled connection after two seconds without progress and every connection
     * within {@link ConnectionPool#CLOSE_MAX_MS}; this is only the backstop.
     */
    private static final long STOP_WAIT_MS = ConnectionPool.CLOSE_MAX_MS + 3000;
    /** Peer events queued for the listeners at most; past it they are dropped and counted (PeerEventsDropped). */
    public static final int EVENT_QUEUE_MAX = 100_000;

    private enum Phase { NEW, LISTENING, RUNNING, STOPPED }

    private final ScheduledThreadPoolExecutor timer;
    private final ExecutorService events;
    private final ConnectionPool pool;
    private final Transport transport;
    private final ConfigWatcher watcher;
    /** The [peers] sources; the pool gets the INI's peers merged with theirs. */
    private final PeerSources sources;
    /** The configuration as the INI (or the embedder) gives it, before the sources' peers are merged in. */
    private NodeConfig ini;
    private Phase phase = Phase.NEW;

    // JMX: beans from listen() until stop(); no server means no beans.
    /** Asked only once listening: creating the platform MBeanServer costs start-up time. */
    private final Supplier<MBeanServer> mbeanServer;
    private JmxExposure jmx;

    private Agent(Builder b) {
        watcher = b.watcher;
        String name = b.config.self().toString();
        timer = new ScheduledThreadPoolExecutor(1, r -> daemon(r, "peerpool-timer-" + name));
        timer.setRemoveOnCancelPolicy(true);
        timer.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        events = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(EVENT_QUEUE_MAX),
                r -> daemon(r, "peerpool-events-" + name));
        ini = b.config;
        sources = new PeerSources(name, b.resolver, this::applySources);
        pool = new ConnectionPool(sources.merge(b.config).config(), timer, events);
        transport = new Transport(pool.transportEvents(), name, b.ioThreads, b.dialGate);
        mbeanServer = b.mbeanServer;
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** An agent for {@code config} with default threads. */
    public static Agent create(NodeConfig config) {
        return builder(config).build();
    }

    public static Builder builder(NodeConfig config) {
        return new Builder(config);
    }

    /**
     * A builder for an agent that runs on {@code watcher}'s file and applies every
     * accepted change to it while running (DESIGN.md A2).
     */
    public static Builder builder(ConfigWatcher watcher) {
        Builder b = new Builder(watcher.status().config());
        b.watcher = watcher;
        return b;
    }

    /** Options for an {@link Agent}; only the config is required. */
    public static final class Builder {
        private final NodeConfig config;
        private ConfigWatcher watcher;
        private int ioThreads = Math.max(1, Math.min(2, Runtime.getRuntime().availableProcessors()));
        private Predicate<NodeAddress> dialGate = a -> true;
        private Supplier<MBeanServer> mbeanServer = ManagementFactory::getPlatformMBeanServer;
        private PeerResolver resolver = JndiDnsResolver.system();

        private Builder(NodeConfig config) {
            this.config = config;
        }

        /** I/O threads for this node's sockets (default: 2, or 1 on one core). */
        public Builder ioThreads(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("ioThreads: " + n + " (expected: 1+)");
            }
            ioThreads = n;
            return this;
        }

        /**
         * Dials to destinations this refuses fail as if unreachable. A test seam for a
         * one-way firewall, not part of the embedder's API; a real node refuses nothing.
         */
        Builder dialGate(Predicate<NodeAddress> gate) {
            dialGate = gate;
            return this;
        }

        /**
         * Where this node's MBeans live (default: the platform MBeanServer, which JConsole
         * sees); null registers none.
         */
        public Builder mbeanServer(MBeanServer server) {
            mbeanServer = () -> server;
            return this;
        }

        /** Where {@code [peers] dns} names are resolved (default: the system's DNS servers). A test seam. */
        Builder peerResolver(PeerResolver r) {
            resolver = r;
            return this;
        }

        public Agent build() {
            return new Agent(this);
        }
    }

    /**
     * Opens the listener and starts accepting handshakes, without dialing anyone yet.
     * Useful to bring up several nodes' listeners before any of them dials.
     */
    public synchronized void listen() throws IOException {
        if (phase != Phase.NEW) {
            return;
        }
        openAndBind();
        exposeJmx();
        phase = Phase.LISTENING;
    }

    /** Listens (if not yet) and starts dialing the peers this node initiates for. */
    public synchronized void start() throws IOException {
        if (phase == Phase.STOPPED) {
            throw new IllegalStateException("agent " + address() + " was stopped; create a new one");
        }
        if (phase == Phase.RUNNING) {
            return;
        }
        if (phase == Phase.NEW) {
            openAndBind();
        }
        pool.startDialing(transport);
        if (jmx == null) {
            // After the first dials are under way: the beans serve operators, and no peer should wait for them.
            exposeJmx();
        }
        phase = Phase.RUNNING;
        sources.configure(ini);
        if (watcher != null) {
            watcher.start(this::apply);
        }
        log.info("{} - Started with {} configured peers", address(), pool.configuredPeers().size());
    }

    // The pool first: a connection accepted the moment the port opens gets its HANDSHAKE answered,
    // never closed because the node is still starting.
    private void openAndBind() throws IOException {
        pool.open();
        transport.bind(pool.self());
    }

    /**
     * Sends GOODBYE {@code shutting down} to every peer, waits briefly for it to flush,
     * then closes every socket and stops this agent's threads. Idempotent.
     */
    public void stop() {
        if (watcher != null) {
            // Outside this agent's lock: a reload being applied needs it to finish.
            watcher.close();
        }
        // Also outside it: a source's change being applied waits for it.
        sources.close();
        stopLocked();
    }

    private synchronized void stopLocked() {
        if (phase == Phase.STOPPED) {
            return;
        }
        boolean wasUp = phase != Phase.NEW;
        phase = Phase.STOPPED;
        List<Link> closing = pool.shutdown();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(STOP_WAIT_MS);
        for (Link l : closing) {
            while (l.isOpen() && System.nanoTime() < deadline) {
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        transport.unbind();
        transport.dispose();
        timer.shutdownNow();
        events.shutdown();
        try {
            events.awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        unexposeJmx();
        if (wasUp) {
            log.info("{} - Stopped", address());
        }
    }

    // After the pool opened: the exposure registers the Peer beans of the entries already there.
    private void exposeJmx() {
        MBeanServer server = mbeanServer.get();
        if (server != null) {
            jmx = JmxExposure.expose(server, pool, pool, watcher, sources);
        }
    }

    // After the event thread drained, so no peer event arrives after the beans are gone.
    private void unexposeJmx() {
        if (jmx != null) {
            jmx.close();
        }
    }

    @Override
    public void close() {
        stop();
    }

    /**
     * Puts a new configuration into effect while running: moves the listener if this
     * node's address changed (failing, with nothing changed, if the new one cannot be
     * bound), then has the pool apply the difference. The pool gets {@code next}'s peers
     * merged with those of its {@code [peers]} sources, which follow {@code next} too.
     */
    public void apply(NodeConfig next) throws IOException {
        sources.logRefusals(applyLocked(next));
    }

    private synchronized PeerMerge.Merged applyLocked(NodeConfig next) throws IOException {
        if (phase == Phase.STOPPED) {
            throw new IllegalStateException("agent " + address() + " is stopped");
        }
        boolean moved = !next.self().equals(pool.self());
        if (moved && phase != Phase.NEW) {
            transport.rebind(next.self());
        }
        // After the rebind: a config that cannot be bound changes nothing, not even what JMX shows.
        PeerMerge.Merged merged = sources.merge(next);
        if (moved) {
            // The beans' node key is this node's address: they move with it.
            unexposeJmx();
        }
        ini = next;
        pool.apply(merged.config());
        if (moved && phase != Phase.NEW) {
            exposeJmx();
        }
        if (phase == Phase.RUNNING) {
            // Under the lock so two applies reach the sources in the order they took effect; it only queues a task.
            sources.configure(next);
        }
        return merged;
    }

    /** A source's list changed: the pool gets the INI's peers merged with the sources' lists as they are now. */
    private void applySources() {
        PeerMerge.Merged merged;
        synchronized (this) {
            if (phase == Phase.STOPPED) {
                return;
            }
            merged = sources.merge(ini);
            pool.apply(merged.config());
        }
        sources.logRefusals(merged);
    }

    /** The watched config file's status and controls, or null when built from a plain config. */
    public ConfigControl configControl() {
        return watcher;
    }

    /** This node's address. */
    public NodeAddress address() {
        return pool.self();
    }

    /** A read-only view of the pool, the single source of truth for this node's peers. */
    public PoolView pool() {
        return pool;
    }

    /** The operator's actions on peers (disconnect, connect now), as JMX offers them. */
    public PeerControl control() {
        return pool;
    }

    /**
     * Sends a PAYLOAD to one peer. The future completes when the frame is written and
     * fails with {@link SendFailedException} otherwise (not connected, queue full,
     * connection lost first).
     */
    public CompletableFuture<Void> send(NodeAddress peer, String topic, byte[] data) {
        return pool.send(peer, new Message.Payload(topic, data));
    }

    /** Sends a PAYLOAD to every connected peer; one future per peer it was sent to. */
    public Map<NodeAddress, CompletableFuture<Void>> broadcast(String topic, byte[] data) {
        return pool.broadcast(new Message.Payload(topic, data));
    }

    /** Hands every PAYLOAD received to {@code listener}, on the I/O thread it arrived on. */
    public void onPayload(PayloadListener listener) {
        pool.addPayloadListener(listener);
    }

    /** Stops handing payloads to {@code listener}. */
    public void removePayloadListener(PayloadListener listener) {
        pool.removePayloadListener(listener);
    }

    /** Tells {@code listener} of every peer event, one at a time, in order, on the event thread. */
    public void onPeerEvent(PeerListener listener) {
        pool.addPeerListener(listener);
    }

    /** Stops telling {@code listener} of peer events. */
    public void removePeerListener(PeerListener listener) {
        pool.removePeerListener(listener);
    }
}
