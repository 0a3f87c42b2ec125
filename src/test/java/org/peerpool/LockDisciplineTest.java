package org.peerpool;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

import javax.management.JMX;
import javax.management.MBeanServer;
import javax.management.MBeanServerFactory;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.peerpool.config.NodeConfig;
import org.peerpool.jmx.JmxNames;
import org.peerpool.testing.Await;
import org.peerpool.testing.RawPeer;
import org.peerpool.testing.TestNet;
import org.peerpool.wire.NodeAddress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 10, point 1: no caller code, logging or blocking runs under the pool's lock or
 * a link's write lock. Node X (127.0.0.5) streams to two agents (127.0.0.6, .7) and to
 * a raw peer (127.0.0.3) that reads nothing; every send's failure callback re-sends on
 * the same peer and on the others, while reader threads read every Peer bean, the pool
 * bean and {@code pool().snapshots()} in a loop; then the links are cut (the raw peer
 * resets, the operator disconnects one agent, the other stops). No thread deadlocks at
 * any moment, every future settles, and every agent's stop returns within 10 s (the
 * issue's target is 5 s; each run prints its three stop times). {@code -Dstorm.runs=N}
 * runs the whole storm N times in a row, each on a fresh instance with new agents (1 by
 * default).
 */
// A separate thread: a real deadlock must fail the test, not hang the build in an uninterruptible lock.
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class LockDisciplineTest {

    private static final int RUNS = Integer.getInteger("storm.runs", 1);

    private static final int SENDER_THREADS = 2;
    private static final int SENDS_PER_THREAD = 4000;
    private static final int RESEND_BUDGET = 30_000;
    private static final int MAX_DEPTH = 2;

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private final List<Agent> agents = new ArrayList<>();
    private final List<AutoCloseable> sockets = new ArrayList<>();
    private final List<Thread> helpers = new ArrayList<>();
    private volatile boolean running = true;
    private volatile boolean stopping;

    /** Every send future and every callback stage (a stage settles after its callback re-sent). */
    private final Queue<CompletableFuture<?>> futures = new ConcurrentLinkedQueue<>();
    private final AtomicInteger budget = new AtomicInteger(RESEND_BUDGET);
    private final AtomicLong resends = new AtomicLong();
    private final AtomicLong sent = new AtomicLong();
    private final AtomicReference<String> deadlock = new AtomicReference<>();
    private final Queue<String> readerErrors = new ConcurrentLinkedQueue<>();
    private final AtomicLong reads = new AtomicLong();
    private List<NodeAddress> peers;
    private Agent x;

    @AfterEach
    void tearDown() throws Exception {
        running = false;
        for (Thread t : helpers) {
            t.join(5000);
        }
        for (AutoCloseable s : sockets) {
            s.close();
        }
        // Bounded: after a deadlock, stop() may never return; the test has already failed then.
        for (Agent a : agents) {
            Thread t = new Thread(a::stop, "test-teardown-stop");
            t.setDaemon(true);
            t.start();
            t.join(12_000);
        }
    }

    /** Runs {@code r} on its own thread; fails (with any deadlock found) if it has not returned within 10 s. */
    private void bounded(String what, Runnable r) throws InterruptedException {
        Thread t = new Thread(r, "test-" + what);
        t.setDaemon(true);
        t.start();
        t.join(10_000);
        if (t.isAlive()) {
            throw new AssertionError(what + " blocked for 10 s; deadlock: " + deadlock.get() + "\n  at " + stackOf(t));
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void failureCallbacksThatResendWhileBeansAreReadAndLinksAreCutNeverDeadlock() throws Exception {
        long slowest = 0;
        for (int run = 1; run <= RUNS; run++) {
            // A fresh instance per run: every field of a run is its own, and its tear-down is the JUnit one.
            LockDisciplineTest storm = new LockDisciplineTest();
            try {
                slowest = Math.max(slowest, storm.stormOnce(run));
            } finally {
                storm.tearDown();
            }
        }
        System.out.printf("LockDiscipline: %d run(s), slowest stop of any agent %d ms%n", RUNS, slowest);
    }

    /** One storm; returns the longest any of the three agents took to stop, in ms. */
    private long stormOnce(int run) throws Exception {
        int port = TestNet.freePort(7);
        NodeAddress raw = TestNet.address(3, port);
        NodeAddress self = TestNet.address(5, port);
        NodeAddress six = TestNet.address(6, port);
        NodeAddress seven = TestNet.address(7, port);
        peers = List.of(raw, six, seven);

        Agent y = start(TestNet.fast(NodeConfig.builder(TestNet.ip(6)).port(port).addPeer(self)).reverseDialAfterS(0).build(), null);
        Agent z = start(TestNet.fast(NodeConfig.builder(TestNet.ip(7)).port(port).addPeer(self)).reverseDialAfterS(0).build(), null);
        MBeanServer server = MBeanServerFactory.newMBeanServer();
        x = start(TestNet.fast(NodeConfig.builder(TestNet.ip(5)).port(port).peers(peers)).reverseDialAfterS(0).build(), server);

        RawPeer w = RawPeer.connectSmallBuffer(TestNet.ip(3), x.address(), 4096);
        sockets.add(w);
        assertTrue(w.handshakeAs(raw).accepted());
        Await.until(Duration.ofSeconds(10), () -> x.pool().connectionCount() == 3, "X connected to all three peers");
        for (NodeAddress p : peers) {
            Await.until(Duration.ofSeconds(5), () -> server.isRegistered(JmxNames.peer(self, p)), "Peer bean of " + p);
        }

        helper("deadlock-watch", this::watchForDeadlocks);
        List<Object> beans = new ArrayList<>();
        beans.add(JMX.newMXBeanProxy(server, JmxNames.pool(self), ConnectionPoolMXBean.class));
        for (NodeAddress p : peers) {
            beans.add(JMX.newMXBeanProxy(server, JmxNames.peer(self, p), PeerMXBean.class));
        }
        for (int i = 0; i < 3; i++) {
            helper("bean-reader-" + i, () -> readForever(beans));
        }
        List<Thread> senders = new ArrayList<>();
        for (int i = 0; i < SENDER_THREADS; i++) {
            int offset = i;
            Thread t = new Thread(() -> sendAll(offset), "test-sender-" + i);
            t.setDaemon(true);
            senders.add(t);
            t.start();
        }
        long total = (long) SENDER_THREADS * SENDS_PER_THREAD;

        // The cuts, while the senders run.
        awaitSent(total / 4);
        Socket s = w.socket();
        s.setSoLinger(true, 0);
        s.close(); // RST with a queue of frames waiting for it
        awaitSent(total / 2);
        bounded("disconnect", () -> x.control().disconnect(six, "test cut"));
        awaitSent(3 * total / 4);
        long[] zStopMs = {-1};
        Thread zStop = helper("z-stop", () -> zStopMs[0] = timed(z::stop));

        for (Thread t : senders) {
            t.join(20_000);
            assertFalse(t.isAlive(), () -> t.getName() + " is stuck; deadlock: " + deadlock.get() + "\n  at " + stackOf(t));
        }
        zStop.join(15_000);
        assertFalse(zStop.isAlive(), () -> "z's stop is stuck; deadlock: " + deadlock.get() + "\n  at " + stackOf(zStop));
        assertSettled(Duration.ofSeconds(10));
        assertTrue(resends.get() > 0, "no failure callback re-sent: the test did not exercise the path");

        stopping = true;
        long[] xStopMs = {-1};
        bounded("stop-x", () -> xStopMs[0] = timed(x::stop));
        running = false;
        for (Thread t : helpers) {
            t.join(5000);
        }
        assertNull(deadlock.get(), () -> "deadlock: " + deadlock.get());
        assertNull(THREADS.findDeadlockedThreads(), "deadlocked threads after stop");
        assertTrue(reads.get() > 0, "the readers never read");
        assertEquals(List.of(), List.copyOf(readerErrors), "bean or snapshot reads failed while X ran");
        long[] yStopMs = {-1};
        bounded("stop-y", () -> yStopMs[0] = timed(y::stop));
        System.out.printf("LockDiscipline run %d: %d sends, %d re-sends, %d futures, %d bean reads,"
                + " stop of z (during the storm) %d ms, x %d ms, y %d ms%n", run, sent.get(), resends.get(),
                futures.size(), reads.get(), zStopMs[0], xStopMs[0], yStopMs[0]);
        return Math.max(zStopMs[0], Math.max(xStopMs[0], yStopMs[0]));
    }

    private static long timed(Runnable r) {
        long t0 = System.nanoTime();
        r.run();
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    }

    private Agent start(NodeConfig cfg, MBeanServer server) throws Exception {
        Agent a = Agent.builder(cfg).ioThreads(1).mbeanServer(server).build();
        agents.add(a);
        a.start();
        return a;
    }

    private Thread helper(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        helpers.add(t);
        t.start();
        return t;
    }

    private void awaitSent(long n) {
        Await.until(Duration.ofSeconds(15), () -> sent.get() >= n || deadlock.get() != null,
                () -> "senders stalled at " + sent.get());
        assertNull(deadlock.get(), () -> "deadlock: " + deadlock.get());
    }

    private void sendAll(int offset) {
        byte[] data = new byte[4096];
        for (int i = 0; i < SENDS_PER_THREAD && running; i++) {
            NodeAddress to = peers.get((i + offset) % peers.size());
            track(x.send(to, "hammer", data), to, data, 0, i % 2 == 0);
            sent.incrementAndGet();
        }
    }

    /**
     * Collects {@code f} and hangs the re-sending failure callback on it, alternately
     * as {@code whenComplete} and {@code exceptionally}.
     */
    private void track(CompletableFuture<Void> f, NodeAddress to, byte[] data, int depth, boolean whenComplete) {
        futures.add(f);
        CompletableFuture<?> stage = whenComplete
                ? f.whenComplete((v, t) -> {
                    if (t != null) {
                        resend(to, data, depth);
                    }
                })
                : f.exceptionally(t -> {
                    resend(to, data, depth);
                    return null;
                });
        futures.add(stage);
    }

    /** From a failure callback: the same peer again, and every other peer. */
    private void resend(NodeAddress failed, byte[] data, int depth) {
        if (depth >= MAX_DEPTH) {
            return;
        }
        for (NodeAddress to : peers) {
            if (budget.getAndDecrement() <= 0) {
                return;
            }
            resends.incrementAndGet();
            track(x.send(to, to.equals(failed) ? "again" : "elsewhere", data), to, data, depth + 1, depth % 2 == 0);
        }
    }

    private void readForever(List<Object> beans) {
        while (running) {
            for (Object bean : beans) {
                Class<?> type = bean instanceof PeerMXBean ? PeerMXBean.class : ConnectionPoolMXBean.class;
                for (Method m : type.getMethods()) {
                    if (m.getParameterCount() == 0 && (m.getName().startsWith("get") || m.getName().startsWith("is"))) {
                        read(bean, m);
                    }
                }
            }
            try {
                x.pool().snapshots();
                reads.incrementAndGet();
            } catch (RuntimeException e) {
                readerErrors.add("snapshots(): " + e);
            }
        }
    }

    private void read(Object bean, Method m) {
        try {
            m.invoke(bean);
            reads.incrementAndGet();
        } catch (InvocationTargetException e) {
            if (!stopping) {
                readerErrors.add(m.getName() + ": " + e.getCause());
            }
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    private void watchForDeadlocks() {
        while (running) {
            long[] ids = THREADS.findDeadlockedThreads();
            if (ids != null) {
                ThreadInfo[] infos = THREADS.getThreadInfo(ids, true, true);
                deadlock.compareAndSet(null, Arrays.stream(infos).map(String::valueOf).collect(Collectors.joining("\n")));
                return;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Every future and callback stage is done within {@code timeout}, re-sends added on the way included. */
    private void assertSettled(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            int size = futures.size();
            List<CompletableFuture<?>> open = futures.stream().filter(f -> !f.isDone()).toList();
            if (open.isEmpty() && futures.size() == size) {
                return;
            }
            assertNull(deadlock.get(), () -> "deadlock: " + deadlock.get());
            if (System.nanoTime() > deadline) {
                String dump = Arrays.stream(THREADS.dumpAllThreads(true, true))
                        .filter(t -> t.getThreadName().startsWith("NioProcessor") || t.getThreadName().startsWith("peerpool"))
                        .map(String::valueOf).collect(Collectors.joining("\n"));
                throw new AssertionError(open.size() + " of " + futures.size() + " futures never settled\n" + dump);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted");
            }
        }
    }

    private static String stackOf(Thread t) {
        return Arrays.stream(t.getStackTrace()).map(String::valueOf).collect(Collectors.joining("\n  at "));
    }
}
