package org.peerpool.testing;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

import org.peerpool.Agent;
import org.peerpool.PeerSnapshot;
import org.peerpool.wire.NodeAddress;

/**
 * Reads every pool of a changing set of agents continuously, on its own thread, and
 * records each moment the one-connection-per-pair rule is broken:
 * <ul>
 * <li>a pool lists one peer twice (never allowed, not even for an instant);</li>
 * <li>two pools both list each other as connected, but on different TCP connections
 * (the local socket of one is not the remote socket of the other) for longer than
 * {@code tolerance}. Reading two pools is not atomic, and a supersede or a close
 * switches the two ends a moment apart, so a disagreement is a duplicate only when
 * it persists.</li>
 * </ul>
 */
public final class PairChecker implements AutoCloseable {

    private static final long PAUSE_NANOS = TimeUnit.MICROSECONDS.toNanos(500);

    private final Supplier<List<Agent>> agents;
    private final long toleranceNanos;
    private final ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
    /** Pair key ("low|high") to when its ends were first seen on different connections. */
    private final Map<String, Long> disagreeingSince = new HashMap<>();
    private final Set<String> reported = new HashSet<>();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile long reads;
    private volatile long disagreements;
    private volatile long longestDisagreementNanos;

    private PairChecker(Supplier<List<Agent>> agents, long toleranceMs) {
        this.agents = agents;
        this.toleranceNanos = TimeUnit.MILLISECONDS.toNanos(toleranceMs);
        this.thread = new Thread(this::run, "pair-checker");
        this.thread.setDaemon(true);
    }

    /** Starts checking the agents {@code agents} returns on each pass. */
    public static PairChecker start(Supplier<List<Agent>> agents, long toleranceMs) {
        PairChecker c = new PairChecker(agents, toleranceMs);
        c.thread.start();
        return c;
    }

    private void run() {
        while (running) {
            check();
            reads++;
            // A short pause leaves the cores to the nodes; a duplicate that matters lasts far longer.
            LockSupport.parkNanos(PAUSE_NANOS);
        }
    }

    /** Stops the thread after one last pass; idempotent. */
    @Override
    public void close() throws InterruptedException {
        if (running) {
            running = false;
            thread.join();
            check();
        }
    }

    public List<String> problems() {
        return List.copyOf(problems);
    }

    /** Passes over every pool so far. */
    public long reads() {
        return reads;
    }

    /** Times two ends were seen on different connections, however briefly. */
    public long disagreements() {
        return disagreements;
    }

    /** The longest such moment, in ms (below the tolerance unless a problem was recorded). */
    public long longestDisagreementMs() {
        return TimeUnit.NANOSECONDS.toMillis(longestDisagreementNanos);
    }

    private void check() {
        List<Agent> list = agents.get();
        Map<NodeAddress, Map<NodeAddress, PeerSnapshot>> views = new HashMap<>();
        for (Agent a : list) {
            NodeAddress self = a.address();
            List<NodeAddress> connected = a.pool().connectedPeers();
            if (new HashSet<>(connected).size() != connected.size()) {
                problems.add(self + " lists a peer twice: " + connected);
            }
            Map<NodeAddress, PeerSnapshot> mine = new HashMap<>();
            for (PeerSnapshot s : a.pool().snapshots()) {
                if (s.connectionId() != 0 && mine.put(s.address(), s) != null) {
                    problems.add(self + " holds two connections with " + s.address());
                }
            }
            views.put(self, mine);
        }
        long now = System.nanoTime();
        Set<String> seen = new HashSet<>();
        for (var a : views.entrySet()) {
            for (var link : a.getValue().entrySet()) {
                NodeAddress x = a.getKey();
                NodeAddress y = link.getKey();
                if (x.compareTo(y) >= 0 || !views.containsKey(y)) {
                    continue;
                }
                PeerSnapshot back = views.get(y).get(x);
                if (back == null || link.getValue().localSocket().equals(back.remoteSocket())) {
                    continue;
                }
                String key = x + "|" + y;
                seen.add(key);
                Long since = disagreeingSince.putIfAbsent(key, now);
                if (since == null) {
                    disagreements++;
                    continue;
                }
                long lasted = now - since;
                longestDisagreementNanos = Math.max(longestDisagreementNanos, lasted);
                if (lasted > toleranceNanos && reported.add(key)) {
                    problems.add(x + " and " + y + " held different connections for over "
                            + TimeUnit.NANOSECONDS.toMillis(toleranceNanos) + " ms: " + x + " on "
                            + link.getValue().localSocket() + "->" + link.getValue().remoteSocket() + ", " + y + " on "
                            + back.localSocket() + "->" + back.remoteSocket());
                }
            }
        }
        disagreeingSince.keySet().retainAll(seen);
        reported.retainAll(seen);
    }

    /** A short summary for test output. */
    public String summary() {
        return "reads=" + reads + " disagreements=" + disagreements + " longestDisagreementMs=" + longestDisagreementMs()
                + " problems=" + problems.size();
    }

    /** Convenience for a fixed set of agents. */
    public static PairChecker start(List<Agent> fixed, long toleranceMs) {
        List<Agent> copy = new ArrayList<>(fixed);
        return start(() -> copy, toleranceMs);
    }
}
