package org.peerpool.pool;

import java.io.IOException;
import java.net.SocketOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import org.peerpool.ClockOffsets;
import org.peerpool.MeshMatrix;
import org.peerpool.PeerControl;
import org.peerpool.PeerHistory;
import org.peerpool.PeerSnapshot;
import org.peerpool.PoolView;
import org.peerpool.MeshListener;
import org.peerpool.PayloadListener;
import org.peerpool.PeerEvent;
import org.peerpool.PeerListener;
import org.peerpool.SendFailedException;
import org.peerpool.config.NodeConfig;
import org.peerpool.wire.Message;
import org.peerpool.wire.NodeAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single source of truth for a node's peers, as its owner (the {@link
 * org.peerpool.Agent}) uses it: lifecycle, configuration changes, sending, operator
 * actions and subscriptions. The state lives in one {@link PoolState} under one lock;
 * the decisions are made by its collaborators, one job each: {@link DialPlanner}
 * (who dials when), {@link Handshakes} (both roles and supersede), {@link Closer}
 * (every way a connection ends), {@link Sender} (send, broadcast, heartbeat). The
 * transport reports through {@link #transportEvents()}; readers get a {@link PoolView}.
 */
public final class ConnectionPool implements PoolView, PeerControl {

    private static final Logger log = LoggerFactory.getLogger(ConnectionPool.class);

    /** The longest a graceful close may take; see {@link GracefulClose}. */
    public static final long CLOSE_MAX_MS = GracefulClose.MAX_MS;

    private final PoolState state;
    private final Closer closer;
    private final DialPlanner planner;
    private final DirectionJudge directionJudge;
    private final SecurityJudge securityJudge;
    private final Sender sender;
    private final MeshGossip mesh;
    private final TransportCallbacks callbacks;
    private final PeerHistoryRecorder history = new PeerHistoryRecorder();
    private final ClockOffsetTracker clocks = new ClockOffsetTracker(this::self);
    /** The once-a-minute summary of quiet warning bursts; guarded by the pool's lock. */
    private ScheduledFuture<?> summary;

    /**
     * @param timer  runs dials, backoff and handshake timers and heartbeats; one thread is plenty
     * @param events delivers {@link PeerEvent}s in order; must run tasks one at a time
     */
    public ConnectionPool(NodeConfig config, ScheduledExecutorService timer, Executor events) {
        this(config, timer, events, PoolClock.SYSTEM);
    }

    /** As above, on {@code clock}'s time and chance: the simulator's seam. */
    ConnectionPool(NodeConfig config, ScheduledExecutorService timer, Executor events, PoolClock clock) {
        state = new PoolState(config, timer, clock, new PeerEvents(events, this::self, clock));
        closer = new Closer(state);
        planner = new DialPlanner(state);
        closer.planner(planner);
        directionJudge = new DirectionJudge(state, closer, planner);
        securityJudge = new SecurityJudge(state, closer, planner);
        sender = new Sender(state, closer);
        mesh = new MeshGossip(state, sender);
        closer.mesh(mesh);
        Handshakes handshakes = new Handshakes(state, closer, sender, planner, mesh);
        callbacks = new TransportCallbacks(state, handshakes, closer, planner, clocks, mesh);
        // Fed by method reference: PoolView hands both out read-only, so no caller can feed them events.
        state.events.add(history::onPeerEvent);
        state.events.add(clocks::onPeerEvent);
    }

    /** The state itself, for the simulator's checks in this package. */
    PoolState state() {
        return state;
    }

    /** What the transport reports to; not for the application. */
    public TransportEvents transportEvents() {
        return callbacks;
    }

    // ---------------------------------------------------------------- lifecycle

    /** Starts accepting handshakes for the configured peers; nothing is dialed yet. */
    public void open() {
        state.locked(() -> {
            if (summary == null) {
                // A flood or scan that stopped still gets its "N more" line.
                summary = state.timer.scheduleAtFixedRate(() -> state.locked(state.poolLog::summarizeQuietBurstsLocked),
                        1, 1, TimeUnit.MINUTES);
            }
            state.setAcceptingLocked(true);
            for (NodeAddress p : state.config().peers()) {
                if (state.entryLocked(p) == null) {
                    addEntryLocked(p);
                }
            }
            mesh.changedLocked();
        });
    }

    /** Starts dialing: every higher peer now, and reverse-dial timers for the lower ones. */
    public void startDialing(Dialer d) {
        open();
        state.locked(() -> {
            state.startDialingLocked(d);
            for (PeerEntry e : state.peersLocked().values().toArray(new PeerEntry[0])) {
                planner.replanLocked(e, true);
            }
        });
    }

    /**
     * Closes every connection with GOODBYE {@code shutting down} and stops dialing.
     * Returns the links still closing, so the caller can wait for their GOODBYEs to flush.
     */
    public List<Link> shutdown() {
        return state.locked(() -> {
            state.setAcceptingLocked(false);
            state.stopDialingLocked();
            PoolState.cancel(summary);
            return closer.shutdownLocked();
        });
    }

    // ---------------------------------------------------------------- configuration

    /**
     * Applies a new configuration as a diff, atomically for readers: peers that joined
     * are registered (and dialed or awaited), peers that left are closed with GOODBYE
     * {@code removed from peer list}, untouched peers keep their connections. When this
     * node's own address changed, every connection, made under the old address, is closed
     * with GOODBYE {@code direction changed} and every pair formed again by the direction
     * rule ({@link DirectionJudge}; the caller has already moved the listener). A change of
     * the TLS mode, a pin or the key re-judges every connection ({@link SecurityJudge}).
     * Other keys apply to connections made from now on.
     */
    public void apply(NodeConfig next) {
        state.locked(() -> {
            NodeAddress oldSelf = state.self();
            NodeConfig previous = state.config();
            state.setConfigLocked(next);
            NodeAddress self = next.self();
            Set<NodeAddress> wanted = new HashSet<>(next.peers());
            for (PeerEntry e : new ArrayList<>(state.peersLocked().values())) {
                if (e.configured && !wanted.contains(e.address)) {
                    removeLocked(e);
                } else if (!e.configured && !wanted.contains(e.address) && !next.acceptUnknownPeers()
                        && e.current != null) {
                    // accept_unknown_peers went off: an unlisted peer is refused now, so its connection goes too.
                    closer.closeLocked(e.current, "removed from peer list", "unlisted, and accept_unknown_peers is off");
                }
            }
            if (!oldSelf.equals(self)) {
                state.afterUnlockLocked(() -> log.info("{} - This node's address changed from {}; judging every pair again",
                        self, oldSelf));
                directionJudge.rejudgeLocked();
            }
            for (NodeAddress p : next.peers()) {
                addLocked(p);
            }
            securityJudge.rejudgeLocked(previous, next);
            // The peer list is the list of nodes the mesh should join.
            mesh.changedLocked();
        });
    }

    private void addLocked(NodeAddress p) {
        PeerEntry e = state.entryLocked(p);
        if (e == null) {
            e = addEntryLocked(p);
            NodeAddress self = state.self();
            boolean dials = state.initiator(p);
            state.afterUnlockLocked(() -> log.info("{} - Peer {} added; {}", self, p, dials ? "dialing it" : "awaiting its dial"));
        } else if (!e.configured) {
            e.configured = true;
        }
        planner.replanLocked(e, true);
    }

    private void removeLocked(PeerEntry e) {
        if (e.current != null) {
            closer.closeLocked(e.current, "removed from peer list", "removed from peer list");
        }
        e.configured = false;
        planner.cancelTimersLocked(e);
        closer.abandonAttemptLocked(e, null, "removed from peer list");
        closer.removeEntryLocked(e, "removed from peer list");
        NodeAddress self = state.self();
        state.afterUnlockLocked(() -> log.info("{} - Peer {} removed", self, e.address));
    }

    private PeerEntry addEntryLocked(NodeAddress p) {
        PeerEntry e = new PeerEntry(p, true, state.clock.nanoTime());
        state.putEntryLocked(e);
        state.events.emit(PeerEvent.Kind.ADDED, p, null, "in the peer list", null);
        return e;
    }

    // ---------------------------------------------------------------- sending

    /**
     * Sends {@code m} to one peer. Never throws: the future completes once the frame is
     * written, and fails with {@link SendFailedException} when the peer is not
     * connected, the frame would pass the peer's {@code max_frame_bytes} or this node's
     * {@code max_pending_bytes}, a string does not fit its field, the send queue is full,
     * or the connection fails first.
     */
    public CompletableFuture<Void> send(NodeAddress peer, Message m) {
        return sender.send(peer, m);
    }

    /** Sends {@code m} to every connected peer, encoding it once; one future per peer. */
    public Map<NodeAddress, CompletableFuture<Void>> broadcast(Message m) {
        return sender.broadcast(m);
    }

    // ---------------------------------------------------------------- operations

    @Override
    public boolean disconnect(NodeAddress peer, String why) {
        return state.locked(() -> {
            PeerEntry e = state.entryLocked(peer);
            if (e == null || e.current == null) {
                return false;
            }
            closer.closeLocked(e.current, why, why);
            return true;
        });
    }

    @Override
    public boolean connectNow(NodeAddress peer) {
        return state.locked(() -> {
            PeerEntry e = state.entryLocked(peer);
            if (e == null || !state.initiator(peer) || !planner.wantsDialLocked(e)) {
                return false;
            }
            planner.replanLocked(e, true);
            return true;
        });
    }

    // ---------------------------------------------------------------- listeners

    @Override
    public void addPeerListener(PeerListener l) {
        state.events.add(l);
    }

    @Override
    public void removePeerListener(PeerListener l) {
        state.events.remove(l);
    }

    public void addPayloadListener(PayloadListener l) {
        state.events.add(l);
    }

    public void removePayloadListener(PayloadListener l) {
        state.events.remove(l);
    }

    // ---------------------------------------------------------------- reading

    @Override
    public NodeConfig config() {
        return state.config();
    }

    @Override
    public NodeAddress self() {
        return state.self();
    }

    @Override
    public boolean isConnected(NodeAddress peer) {
        return state.locked(() -> {
            PeerEntry e = state.entryLocked(peer);
            return e != null && e.current != null;
        });
    }

    @Override
    public <T> Optional<T> socketOption(NodeAddress peer, SocketOption<T> option) throws IOException {
        Link l = state.locked(() -> {
            PeerEntry e = state.entryLocked(peer);
            return e == null || e.current == null ? null : e.current.link();
        });
        return l == null ? Optional.empty() : Optional.of(l.socketOption(option));
    }

    @Override
    public List<NodeAddress> connectedPeers() {
        return state.locked(() -> {
            List<NodeAddress> out = new ArrayList<>();
            for (PeerEntry e : state.peersLocked().values()) {
                if (e.current != null) {
                    out.add(e.address);
                }
            }
            out.sort(null);
            return out;
        });
    }

    @Override
    public List<NodeAddress> configuredPeers() {
        return state.config().peers();
    }

    @Override
    public int connectionCount() {
        return connectedPeers().size();
    }

    @Override
    public List<PeerSnapshot> snapshots() {
        return state.locked(() -> {
            List<PeerSnapshot> out = new ArrayList<>(state.peersLocked().size());
            for (PeerEntry e : state.peersLocked().values()) {
                out.add(e.snapshot());
            }
            out.sort((a, b) -> a.address().compareTo(b.address()));
            return out;
        });
    }

    @Override
    public Optional<PeerSnapshot> snapshot(NodeAddress peer) {
        return state.locked(() -> {
            PeerEntry e = state.entryLocked(peer);
            return e == null ? Optional.empty() : Optional.of(e.snapshot());
        });
    }

    @Override
    public int handshakingInbound() {
        return state.locked(() -> state.unidentifiedLocked().size());
    }

    @Override
    public long handshakesRefused() {
        return state.counters.handshakesRefused.get();
    }

    @Override
    public long peerEventsDropped() {
        return state.events.dropped();
    }

    @Override
    public long connectAttempts() {
        return state.counters.connectAttempts.get();
    }

    @Override
    public long handshakeFailures() {
        return state.counters.handshakeFailures.get();
    }

    @Override
    public long protocolViolations() {
        return state.counters.protocolViolations.get();
    }

    @Override
    public long superseded() {
        return state.counters.superseded.get();
    }

    @Override
    public long unknownMessages() {
        return state.counters.unknownMessages.get();
    }

    @Override
    public String tlsMode() {
        return state.config().tls().mode().word();
    }

    @Override
    public String localKeyPin() {
        var key = state.config().tls().localKey();
        return key == null ? "" : key.pin().text();
    }

    @Override
    public long keyMismatches() {
        return state.counters.keyMismatches.get();
    }

    @Override
    public PeerHistory history() {
        return history;
    }

    @Override
    public MeshMatrix mesh() {
        return state.locked(mesh::inputsLocked).matrix();
    }

    @Override
    public void addMeshListener(MeshListener l) {
        state.events.addMesh(l);
    }

    @Override
    public void removeMeshListener(MeshListener l) {
        state.events.removeMesh(l);
    }

    @Override
    public ClockOffsets clocks() {
        return clocks;
    }
}
