package org.peerpool.pool;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ScheduledFuture;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Supplier;

import org.peerpool.PeerSnapshot;
import org.peerpool.PeerState;
import org.peerpool.tls.LocalKey;
import org.peerpool.wire.NodeAddress;

/**
 * A scripted scenario on the simulator: a few {@link SimNode}s of one {@link SimRun} on
 * simulated time, with no random faults, no traffic and fixed timers, driven step by
 * step by a test. The test edits a node's {@link SimPlan} and saves it, acts between two
 * events, runs the world until a condition holds or a simulated deadline passes, and
 * names what must hold after every event; the invariants of {@link SimChecks} run after
 * every event too. Every dial is recorded, and can be required to start beside no
 * socket the dialer still has with that peer. Nothing here sleeps or opens a socket.
 */
final class SimScript {

    /** A dial the pool started: when, by whom, to which address, and what it was started beside. */
    record Dial(long atNanos, SimNode from, NodeAddress to, boolean reverse, List<String> besides) {
        double atMs() {
            return atNanos / 1e6;
        }
    }

    /**
     * The seed of the scripted runs: only network delays are drawn from it, and every
     * scenario holds under any; {@code -Dsim.scriptSeed=S} runs them under another.
     */
    static long seed = Long.getLong("sim.scriptSeed", 1);

    static final int HANDSHAKE_TIMEOUT_MS = 2000;
    static final int RECONNECT_MIN_MS = 500;
    static final int RECONNECT_MAX_MS = 4000;

    final SimRun run;
    final SimWorld world;
    final List<LocalKey> keys;
    /** Every dial of the run, in order. */
    final List<Dial> dials = new ArrayList<>();
    private final List<Runnable> watches = new ArrayList<>();
    private boolean strictDials;

    /**
     * {@code count} nodes, node i on 127.0.0.(i+1):7100 with key i, each listing every
     * other (pins held but used only from {@link SimPlan.Stage#PINS} on), TLS off,
     * reverse dials off, unlisted peers refused.
     */
    SimScript(int count, List<LocalKey> keys) {
        this.keys = keys;
        run = new SimRun(seed, count, 0, keys);
        world = run.world;
        run.faults.stop();
        for (SimPlan p : run.plans) {
            p.key = keys.get(p.index);
            p.handshakeTimeoutMs = HANDSHAKE_TIMEOUT_MS;
            p.reconnectMinMs = RECONNECT_MIN_MS;
            p.reconnectMaxMs = RECONNECT_MAX_MS;
            p.heartbeatS = 5;
            p.reverseDialAfterS = 0;
            p.acceptUnknown = false;
        }
        for (SimPlan p : run.plans) {
            for (SimPlan q : run.plans) {
                if (p != q) {
                    p.pins.put(q.index, Set.of(q.key.pin()));
                }
            }
        }
        run.dialWatch = this::dialing;
    }

    // ---------------------------------------------------------------- the nodes

    SimPlan plan(int i) {
        return run.plans.get(i);
    }

    SimNode node(int i) {
        return run.nodes.get(i);
    }

    ConnectionPool pool(int i) {
        return node(i).pool;
    }

    /** Node i's own address as its plan says now. */
    NodeAddress addr(int i) {
        return plan(i).self();
    }

    void start(int i) {
        node(i).start(plan(i).build());
    }

    /** Node i's operator saves its file: the running node applies it live. */
    void save(int i) {
        run.save(node(i));
    }

    /** The one-way firewall: node {@code from}'s dials of node {@code to} hang until they time out. */
    void block(int from, int to, boolean on) {
        run.net.block(node(from), node(to), on);
    }

    // ---------------------------------------------------------------- time

    double nowMs() {
        return world.now() / 1e6;
    }

    /**
     * Does {@code action} now, between two events (not queued behind the events already
     * due at this instant), then checks as after an event.
     */
    void act(Runnable action) {
        action.run();
        afterEvent();
    }

    /** Runs the world for {@code ms} of simulated time. */
    void runFor(double ms) {
        world.runUntil(world.now() + (long) (ms * 1e6), this::afterEvent);
    }

    /**
     * Runs the world until {@code condition} holds (checked after every event), and fails
     * with {@code what} and the state of every pool when {@code withinMs} of simulated
     * time pass first. Returns at the event that made it hold.
     */
    void runUntil(String what, BooleanSupplier condition, double withinMs) {
        if (condition.getAsBoolean()) {
            return;
        }
        double start = nowMs();
        if (!world.runUntil(world.now() + (long) (withinMs * 1e6), this::afterEvent, condition)) {
            throw new AssertionError("not within " + withinMs + " ms of " + String.format("%.3f", start) + " ms: "
                    + what + "\n" + describe());
        }
    }

    /**
     * From now on, after every event and act: {@code problem} returns null while all is
     * well, or what is wrong, which fails the run at once.
     */
    void always(String what, Supplier<String> problem) {
        watches.add(() -> {
            String p = problem.get();
            if (p != null) {
                throw new AssertionError(String.format("at %.3f ms: %s: %s%n%s", nowMs(), what, p, describe()));
            }
        });
    }

    private void afterEvent() {
        for (Runnable w : watches) {
            w.run();
        }
        run.afterStep();
    }

    // ---------------------------------------------------------------- dials

    /** From now on a dial started beside a socket (or a connect) the dialer still has with the peer fails the run. */
    void noDialBesideOpenSocket() {
        strictDials = true;
    }

    private void dialing(SimNode n, NodeAddress peer, Connection attempt) {
        List<String> besides = socketsWith(n, peer);
        Dial d = new Dial(world.now(), n, peer, attempt.isReverse(), besides);
        dials.add(d);
        if (strictDials && !besides.isEmpty()) {
            // An Error, not the pool's RuntimeException: the pool would take that for a failed dial.
            throw new AssertionError(String.format("at %.3f ms: %s dials %s beside %s", d.atMs(), n, peer, besides));
        }
    }

    /** The sockets {@code n} still has open with {@code peer}, and its connects to it still pending. */
    List<String> socketsWith(SimNode n, NodeAddress peer) {
        List<String> out = new ArrayList<>();
        for (SimSocket s : run.net.live()) {
            NodeAddress otherEnd = s.dialer == n ? s.to : s.acceptor == n ? s.from : null;
            SimLink mine = s.endOf(n);
            if (peer.equals(otherEnd) && mine.isOpen()) {
                Connection c = mine.connection;
                out.add(s + " (" + (c == null ? "not reported" : c + (c.isClosing() ? " closing: "
                        + c.closeReason() : "")) + ")");
            }
        }
        for (Connection pending : n.connecting) {
            if (peer.equals(pending.peer())) {
                out.add("the connect of " + pending);
            }
        }
        return out;
    }

    /** The dials node {@code from} started to address {@code to}. */
    List<Dial> dialsOf(int from, NodeAddress to) {
        List<Dial> out = new ArrayList<>();
        for (Dial d : dials) {
            if (d.from() == node(from) && d.to().equals(to)) {
                out.add(d);
            }
        }
        return out;
    }

    // ---------------------------------------------------------------- reading a pool

    /** Reads node i's pool state under its lock. */
    <T> T read(int i, Function<PoolState, T> reader) {
        PoolState state = pool(i).state();
        return state.locked(() -> reader.apply(state));
    }

    /** What node {@code at} does with address {@code peer}: reads its entry (null: none) under the lock. */
    <T> T entry(int at, NodeAddress peer, Function<PeerEntry, T> reader) {
        return read(at, state -> reader.apply(state.entryLocked(peer)));
    }

    PeerState stateOf(int at, NodeAddress peer) {
        return entry(at, peer, e -> e == null ? null : e.state());
    }

    Connection current(int at, NodeAddress peer) {
        return entry(at, peer, e -> e == null ? null : e.current);
    }

    Connection attempt(int at, NodeAddress peer) {
        return entry(at, peer, e -> e == null ? null : e.attempt);
    }

    /** Node {@code at}'s reasons for its entry of {@code peer} to change: a dial in flight, a retry, a reverse timer. */
    int reasons(int at, NodeAddress peer) {
        return entry(at, peer, e -> e == null ? 0
                : (e.attempt != null ? 1 : 0) + (armed(e.retry) ? 1 : 0) + (armed(e.reverseTimer) ? 1 : 0));
    }

    private static boolean armed(ScheduledFuture<?> f) {
        return f != null && !f.isDone();
    }

    /** Accepted connections of node i still waiting for their HANDSHAKE. */
    List<Connection> inHandshake(int i) {
        return read(i, state -> state.unidentifiedLocked().all());
    }

    /** Both nodes hold an established connection with each other's current address. */
    boolean paired(int a, int b) {
        SimNode x = node(a);
        SimNode y = node(b);
        return x.running && y.running && x.pool.isConnected(addr(b)) && y.pool.isConnected(addr(a));
    }

    /** Every running pool's peers, one line each, for a failure message. */
    String describe() {
        StringBuilder b = new StringBuilder();
        for (SimNode n : run.nodes) {
            if (!n.running) {
                b.append("  ").append(n).append(": not running\n");
                continue;
            }
            for (PeerSnapshot s : n.pool.snapshots()) {
                b.append("  ").append(n).append(" -> ").append(s.address()).append(": ").append(s.state())
                        .append(s.direction() == null ? "" : " " + s.direction()).append(s.reverse() ? " reverse" : "")
                        .append(s.security().isEmpty() ? "" : " " + s.security())
                        .append(s.configured() ? "" : " (unlisted)")
                        .append(", failed attempts ").append(s.failedAttempts())
                        .append(s.lastError().isEmpty() ? "" : ", last error: " + s.lastError()).append('\n');
            }
        }
        return b.toString();
    }
}
