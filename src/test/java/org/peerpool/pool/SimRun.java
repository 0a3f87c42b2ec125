package org.peerpool.pool;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import org.peerpool.tls.KeyPin;
import org.peerpool.tls.LocalKey;
import org.peerpool.wire.Message;
import org.peerpool.wire.NodeAddress;

/**
 * One seed's run: N nodes in a full mesh on simulated time, under faults and config
 * edits drawn from the seed for {@code faultMinutes}, then a quiet spell long enough
 * (computed from the timers) for every pair the configs allow to connect, then a stop
 * of every node. {@link SimChecks} runs after every event; the first broken invariant
 * ends the run with a message naming the seed and the step.
 */
final class SimRun {

    /** Thrown by the first broken invariant. */
    static final class Violation extends RuntimeException {
        Violation(String message) {
            super(message, null, false, false);
        }
    }

    final SimWorld world;
    final SimNet net = new SimNet();
    final SimFaults faults;
    final List<SimNode> nodes = new ArrayList<>();
    final List<SimPlan> plans = new ArrayList<>();
    final List<LocalKey> keys;
    final List<CompletableFuture<Void>> sends = new ArrayList<>();
    private final SimChecks checks;
    private final long faultEnd;
    private boolean quiet;
    private Violation firstViolation;
    private long payloadIds;

    SimRun(long seed, int nodeCount, int faultMinutes, List<LocalKey> keys) {
        this.world = new SimWorld(seed);
        this.keys = keys;
        this.faults = SimFaults.draw(world);
        this.faultEnd = SimWorld.seconds(60.0 * faultMinutes);
        for (int i = 0; i < nodeCount; i++) {
            SimPlan p = new SimPlan(i);
            p.key = keys.get(i % keys.size());
            p.handshakeTimeoutMs = world.between(500, 5000);
            p.reconnectMinMs = world.between(100, 1000);
            p.reconnectMaxMs = p.reconnectMinMs + world.between(1000, 30_000);
            p.heartbeatS = world.between(5, 30);
            p.reverseDialAfterS = world.chance(0.2) ? 0 : world.between(5, 60);
            p.acceptUnknown = world.chance(0.1);
            plans.add(p);
            SimNode n = new SimNode("n" + (i + 1), world, this);
            nodes.add(n);
            net.nodes.add(n);
        }
        for (SimPlan p : plans) {
            for (SimPlan q : plans) {
                if (p != q) {
                    p.listed.put(q.index, q.self());
                    p.pins.put(q.index, new HashSet<>(Set.of(q.key.pin())));
                }
            }
        }
        checks = new SimChecks(this);
    }

    /** Runs the whole seed; throws {@link Violation} at the first broken invariant. */
    void run() {
        for (SimNode n : nodes) {
            SimPlan p = plan(n);
            world.afterMs(world.uniform(0, 2000), () -> n.start(p.build()));
        }
        new SimChaos(this).schedule(faultEnd);
        scheduleTraffic();
        world.runUntil(faultEnd, checks::afterStep);
        quiet = true;
        faults.stop();
        new SimChaos(this).heal();
        long quietAt = world.now();
        long settleEnd = quietAt + checks.settleBoundNanos();
        int slowestBeatS = nodes.stream().mapToInt(n -> n.config.heartbeatIntervalS()).max().orElse(0);
        // Settled once converged for longer than a link a stall left stale takes to time out and close: then
        // nothing is left to change, and the bound need not be waited out (most seeds settle in seconds).
        long stableNanos = SimWorld.seconds(3 * slowestBeatS + ConnectionPool.CLOSE_MAX_MS / 1000.0 + 1);
        long[] convergedSince = {-1};
        world.runUntil(settleEnd, checks::afterStep, () -> {
            if ((world.steps() & 63) != 0) {
                return false;
            }
            if (checks.unconverged() != null) {
                convergedSince[0] = -1;
                return false;
            }
            if (convergedSince[0] < 0) {
                convergedSince[0] = world.now();
            }
            return world.now() - convergedSince[0] >= stableNanos;
        });
        checks.converged(world.now() - quietAt);
        // Views go out at most once per heartbeat per peer: one interval after the last change, each is current.
        long viewsCurrent = SimWorld.seconds(slowestBeatS + 1);
        world.runUntil(world.now() + viewsCurrent, checks::afterStep);
        checks.meshKnown();
        List<List<Link>> closing = new ArrayList<>();
        for (SimNode n : nodes) {
            closing.add(n.running ? n.stop() : List.of());
        }
        long stopBound = SimWorld.seconds(ConnectionPool.CLOSE_MAX_MS / 1000.0 + 1);
        world.runUntil(world.now() + stopBound, checks::afterStep);
        checks.stopped(closing);
        for (SimNode n : nodes) {
            if (n.running) {
                n.dispose();
            }
        }
        world.runUntil(world.now() + SimWorld.seconds(1), () -> { });
        checks.sendsSettled();
        rethrowViolation();
    }

    boolean quiet() {
        return quiet;
    }

    SimPlan plan(SimNode n) {
        return plans.get(nodes.indexOf(n));
    }

    SimNode node(int index) {
        return nodes.get(index);
    }

    /** The node that listens on {@code a} now, running or not, or null. */
    SimNode nodeAt(NodeAddress a) {
        for (int i = 0; i < nodes.size(); i++) {
            if (plans.get(i).self().equals(a)) {
                return nodes.get(i);
            }
        }
        return null;
    }

    /** Saves {@code n}'s plan: a running node applies it live, a stopped one at its next start. */
    void save(SimNode n) {
        if (n.running && !n.stopping) {
            n.apply(plan(n).build());
        }
    }

    /**
     * A broken invariant. The first is also kept: one found inside a call of the pool
     * (a dial) may be caught there as the call's failure, and must still end the run.
     */
    Violation violation(String what) {
        Violation v = new Violation("seed " + world.seed + ", step " + world.steps() + " at "
                + (world.now() / 1_000_000) + " ms: " + what);
        if (firstViolation == null) {
            firstViolation = v;
        }
        return v;
    }

    /** Throws the first broken invariant, if one was found and swallowed. */
    void rethrowViolation() {
        if (firstViolation != null) {
            throw firstViolation;
        }
    }

    // ---------------------------------------------------------------- traffic

    private void scheduleTraffic() {
        world.afterMs(world.uniform(500, 5000), this::sendSome);
    }

    private void sendSome() {
        if (world.now() < faultEnd) {
            SimNode from = nodes.get(world.nextInt(nodes.size()));
            if (from.running && !from.stopping) {
                byte[] data = Long.toString(++payloadIds).getBytes();
                Message.Payload m = new Message.Payload("sim", data);
                if (world.chance(0.3)) {
                    sends.addAll(from.pool.broadcast(m).values());
                } else {
                    SimPlan p = plan(from);
                    List<NodeAddress> to = new ArrayList<>(p.listed.values());
                    if (!to.isEmpty()) {
                        sends.add(from.pool.send(to.get(world.nextInt(to.size())), m));
                    }
                }
            }
            scheduleTraffic();
        }
    }

    /** A PAYLOAD reached a listener of {@code at}: never from a connection whose close has begun. */
    void delivered(SimNode at, NodeAddress from, String topic, byte[] data) {
        SimLink end = at.reading;
        if (end == null || end.connection == null) {
            throw violation(at + " delivered a PAYLOAD from " + from + " outside a read");
        }
        if (end.connection.isClosing()) {
            throw violation(at + " delivered a PAYLOAD from " + from + " on " + end.connection
                    + " after its close began (" + end.connection.closeReason() + ")");
        }
    }

    /** {@code n}'s pool starts a dial of {@code peer}: never beside a socket it still has with that peer. */
    void dialing(SimNode n, NodeAddress peer, Connection attempt) {
        if (dialWatch != null) {
            dialWatch.dialing(n, peer, attempt);
        }
        checks.dialing(n, peer);
    }

    /** What a scripted scenario ({@link SimScript}) hears of every dial, before the checks see it. */
    interface DialWatch {
        void dialing(SimNode n, NodeAddress peer, Connection attempt);
    }

    /** Told of every dial first; null in a random run. */
    DialWatch dialWatch;

    /** The invariants of {@link SimChecks}, as a random run checks them after every event. */
    void afterStep() {
        checks.afterStep();
    }

    Map<Integer, Set<KeyPin>> pinsOf(SimNode n) {
        return plan(n).pins;
    }
}
