package org.peerpool.pool;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import org.peerpool.MeshMatrix;
import org.peerpool.wire.Message;
import org.peerpool.wire.MessageCodec;
import org.peerpool.wire.NodeAddress;

/**
 * The mesh view (PROTOCOL.md section 3, VIEW): tells each connected peer which peers
 * this node holds connections with, once after the handshake and again when that set
 * changes, never more than once per heartbeat interval per peer (a change inside it
 * goes out when it ends, as the set is then); keeps the last view each peer sent; and,
 * a moment after anything that can change the mesh, works out the missing pairs and
 * tells the mesh listeners when that set changed. Fields are guarded by the pool's lock;
 * views are encoded once per change and written outside the lock.
 */
final class MeshGossip {

    /** How long a burst of changes (a node starting, a reload) settles before the mesh is judged again. */
    static final long SETTLE_MS = 200;
    /** Addresses kept from one peer's view beyond twice this node's own peer count. */
    private static final int MIN_VIEW_ROOM = 1024;
    private static final int MAX_PARSED = 4096;

    /** Address texts already parsed; read on I/O threads, so a concurrent map outside the pool's lock. */
    private final Map<String, NodeAddress> parsed = new ConcurrentHashMap<>();

    private final PoolState state;
    private final Sender sender;
    /** Rises by one per change of the connected set. */
    private long epoch;
    private ByteBuffer frame;
    private long frameEpoch = -1;
    private ScheduledFuture<?> judge;
    /** Judgements begun (under the pool's lock). */
    private long judgements;
    /** What the listeners were last told, and from which judgement; guarded by itself. */
    private final Told told = new Told();

    private static final class Told {
        long judgement;
        /** Null until the first judgement, which is always told: the listeners' starting point. */
        List<MeshMatrix.Pair> missing;
    }

    MeshGossip(PoolState state, Sender sender) {
        this.state = state;
        this.sender = sender;
    }

    // ---------------------------------------------------------------- sending

    /**
     * {@code c} just came up for its peer; {@code setChanged} is false when it replaced a
     * connection with the same peer (the connected set is the same). Either way the new
     * link hears the view at once.
     */
    void establishedLocked(Connection c, boolean setChanged) {
        state.assertLocked();
        if (setChanged) {
            connectedSetChangedLocked();
        } else {
            scheduleLocked(c);
        }
    }

    /** A peer connected or disconnected: a new epoch, which every link hears of. */
    void connectedSetChangedLocked() {
        state.assertLocked();
        epoch++;
        for (PeerEntry e : state.peersLocked().values()) {
            if (e.current != null) {
                scheduleLocked(e.current);
            }
        }
        changedLocked();
    }

    private void scheduleLocked(Connection c) {
        if (c.viewTimer != null || c.viewEpochSent == epoch) {
            return;
        }
        long delayNanos = 0;
        if (c.viewEpochSent >= 0) {
            long periodNanos = TimeUnit.SECONDS.toNanos(state.config().heartbeatIntervalS());
            delayNanos = Math.max(0, c.viewSentNanos + periodNanos - state.clock.nanoTime());
        }
        try {
            c.viewTimer = state.timer.schedule(() -> send(c), delayNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException stopped) {
            // The agent is stopping; the connection is about to close.
        }
    }

    private void send(Connection c) {
        ByteBuffer out = state.locked(() -> {
            c.viewTimer = null;
            PeerEntry e = state.entryLocked(c.peer());
            if (c.isClosing() || e == null || e.current != c) {
                return null;
            }
            c.viewEpochSent = epoch;
            c.viewSentNanos = state.clock.nanoTime();
            return frameLocked().duplicate();
        });
        if (out != null) {
            sender.sendOn(c, out);
        }
    }

    /** The VIEW of this epoch, encoded once for every link. */
    private ByteBuffer frameLocked() {
        if (frameEpoch != epoch) {
            List<NodeAddress> held = new ArrayList<>();
            for (PeerEntry e : state.peersLocked().values()) {
                if (e.current != null) {
                    held.add(e.address);
                }
            }
            held.sort(null);
            List<String> text = new ArrayList<>(held.size());
            for (NodeAddress a : held) {
                text.add(a.toString());
            }
            frame = MessageCodec.encode(new Message.View(epoch, text));
            frameEpoch = epoch;
        }
        return frame;
    }

    // ---------------------------------------------------------------- receiving

    /**
     * Keeps {@code v}, received on {@code c}, as its peer's view. Addresses this node knows
     * come first, then others up to a bound (a peer added here later may already be
     * connected there): a hostile peer's 65,535 made-up addresses cost next to nothing.
     */
    void received(Connection c, Message.View v) {
        List<NodeAddress> named = new ArrayList<>(v.addresses().size());
        for (String text : v.addresses()) {
            NodeAddress a = parse(text);
            if (a != null) {
                named.add(a);
            }
        }
        state.locked(() -> {
            PeerEntry e = state.entryLocked(c.peer());
            if (e == null || e.current != c
                    || (e.view != null && e.viewConnectionId == c.id() && Long.compareUnsigned(v.epoch(), e.viewEpoch) < 0)) {
                return;
            }
            int room = Math.max(MIN_VIEW_ROOM, 2 * state.peersLocked().size() + 2);
            Set<NodeAddress> kept = new HashSet<>();
            for (NodeAddress a : named) {
                if (a.equals(state.self()) || state.entryLocked(a) != null) {
                    kept.add(a);
                }
            }
            for (int i = 0; i < named.size() && kept.size() < room; i++) {
                kept.add(named.get(i));
            }
            boolean same = kept.equals(e.view);
            // Never changed after this: callers outside the lock may hold it.
            e.view = Collections.unmodifiableSet(kept);
            e.viewConnectionId = c.id();
            e.viewEpoch = v.epoch();
            if (!same) {
                changedLocked();
            }
        });
    }

    /**
     * The address {@code text} names, or null when it names none (not a pair this node can
     * show; the rest of the view still counts). Views repeat the same few addresses, so
     * they are parsed once; the cache is dropped whole when made-up ones fill it.
     */
    private NodeAddress parse(String text) {
        NodeAddress a = parsed.get(text);
        if (a == null) {
            try {
                a = NodeAddress.parse(text);
            } catch (IllegalArgumentException notAnAddress) {
                return null;
            }
            if (parsed.size() >= MAX_PARSED) {
                parsed.clear();
            }
            parsed.put(text, a);
        }
        return a;
    }

    /** The peer's connection ended and no other took its place: what it said is no longer known. */
    void peerGoneLocked(PeerEntry e) {
        e.view = null;
    }

    // ---------------------------------------------------------------- judging

    /** Something that can change the mesh happened: judge it again once the burst settles. */
    void changedLocked() {
        state.assertLocked();
        if (judge == null) {
            judge = state.scheduleLocked(this::judgeLocked, SETTLE_MS, TimeUnit.MILLISECONDS);
        }
    }

    private void judgeLocked() {
        judge = null;
        Inputs in = inputsLocked();
        long n = ++judgements;
        // The pairs are counted outside the lock: a thousand peers make half a million of them.
        state.afterUnlockLocked(() -> tell(n, in.missing()));
    }

    /**
     * Tells the listeners of judgement {@code n}'s missing pairs if they changed. Judgements
     * run on the timer, but should one overtake another, the older result is dropped.
     */
    private void tell(long n, List<MeshMatrix.Pair> missing) {
        synchronized (told) {
            if (n < told.judgement || missing.equals(told.missing)) {
                // An older judgement, or no change since the listeners last heard.
                return;
            }
            told.judgement = n;
            told.missing = missing;
            // Queued in order under this small lock, so the listeners hear the judgements in order.
            state.events.meshChanged(missing);
        }
    }

    /** What the mesh is judged from, copied under the lock (the views are immutable sets). */
    record Inputs(NodeAddress self, Set<NodeAddress> listed, Set<NodeAddress> connected,
                  Map<NodeAddress, Set<NodeAddress>> views) {
        MeshMatrix matrix() {
            return MeshJudge.matrix(self, listed, connected, views);
        }

        List<MeshMatrix.Pair> missing() {
            return MeshJudge.missing(self, listed, connected, views);
        }
    }

    /** The mesh as this node knows it now, to be judged outside the lock. */
    Inputs inputsLocked() {
        Set<NodeAddress> listed = new HashSet<>();
        Set<NodeAddress> connected = new HashSet<>();
        Map<NodeAddress, Set<NodeAddress>> views = new HashMap<>();
        for (PeerEntry e : state.peersLocked().values()) {
            if (e.configured) {
                listed.add(e.address);
            }
            if (e.current != null) {
                connected.add(e.address);
                if (e.view != null) {
                    views.put(e.address, e.view);
                }
            }
        }
        return new Inputs(state.self(), listed, connected, views);
    }
}
