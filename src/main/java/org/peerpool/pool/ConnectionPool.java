package org.peerpool.pool;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.mina.core.buffer.IoBuffer;
import org.peerpool.PayloadListener;
import org.peerpool.PeerEvent;
import org.peerpool.PeerEvent.Direction;
import org.peerpool.PeerListener;
import org.peerpool.SendFailedException;
import org.peerpool.config.NodeConfig;
import org.peerpool.wire.Message;
import org.peerpool.wire.MessageCodec;
import org.peerpool.wire.NodeAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single source of truth for a node's peers: one map from peer address to that
 * peer's state, changed only here and only under one lock. It decides who dials
 * (the direction rule), accepts or rejects handshakes, supersedes stale
 * connections, schedules reconnects and reverse dials, and runs the heartbeat.
 * The transport only reports socket events; readers get consistent snapshots in
 * which a peer never has two connections.
 */
public final class ConnectionPool {

    private static final Logger log = LoggerFactory.getLogger(ConnectionPool.class);

    /** The longest a graceful close may take; see {@link GracefulClose}. */
    public static final long CLOSE_MAX_MS = GracefulClose.MAX_MS;
    /** How often a redial checks whether the peer has finished reading the last GOODBYE. */
    private static final long CLOSING_POLL_MS = 20;

    private final Object lock = new Object();
    private final Map<NodeAddress, PeerEntry> peers = new HashMap<>();
    private final PendingHandshakes unidentified = new PendingHandshakes();
    private final ScheduledExecutorService timer;
    private final PeerEvents events;
    private final PoolLog poolLog = new PoolLog(this::self);
    private final GracefulClose closer;
    private final PeerHistory history = new PeerHistory();
    private final ClockOffsets clocks = new ClockOffsets(this::self);

    private volatile NodeConfig config;
    private volatile NodeAddress self;
    private Dialer dialer;
    private boolean accepting;
    private boolean dialing;

    private final AtomicLong connectAttempts = new AtomicLong();
    private final AtomicLong handshakeFailures = new AtomicLong();
    private final AtomicLong protocolViolations = new AtomicLong();
    private final AtomicLong supersededCount = new AtomicLong();
    private final AtomicLong unknownMessages = new AtomicLong();
    private final AtomicLong handshakesRefused = new AtomicLong();

    /**
     * @param timer  runs dials, backoff and handshake timers and heartbeats; one thread is plenty
     * @param events delivers {@link PeerEvent}s in order; must run tasks one at a time
     */
    public ConnectionPool(NodeConfig config, ScheduledExecutorService timer, Executor events) {
        this.config = config;
        this.self = config.self();
        this.timer = timer;
        this.events = new PeerEvents(events, this::self);
        this.closer = new GracefulClose(timer);
        this.events.add(history);
        this.events.add(clocks);
    }

    // ---------------------------------------------------------------- lifecycle

    /** Starts accepting handshakes for the configured peers; nothing is dialed yet. */
    public void open() {
        synchronized (lock) {
            if (!accepting) {
                // A flood or scan that stopped still gets its "N more" line.
                timer.scheduleAtFixedRate(() -> {
                    synchronized (lock) {
                        poolLog.summarizeQuietBursts();
                    }
                }, 1, 1, TimeUnit.MINUTES);
            }
            accepting = true;
            for (NodeAddress p : config.peers()) {
                if (!peers.containsKey(p)) {
                    addEntryLocked(p, true);
                }
            }
        }
    }

    /** Starts dialing: every higher peer now, and reverse-dial timers for the lower ones. */
    public void startDialing(Dialer d) {
        synchronized (lock) {
            if (!accepting) {
                open();
            }
            dialer = d;
            dialing = true;
            for (PeerEntry e : peers.values()) {
                planLocked(e, true);
            }
        }
    }

    /**
     * Closes every connection with GOODBYE {@code shutting down} and stops dialing.
     * Returns the links still closing, so the caller can wait for their GOODBYEs to flush.
     */
    public List<Link> shutdown() {
        List<Link> closing = new ArrayList<>();
        synchronized (lock) {
            accepting = false;
            dialing = false;
            for (PeerEntry e : new ArrayList<>(peers.values())) {
                cancelTimersLocked(e);
                collect(closing, e.current);
                collect(closing, e.attempt);
                if (e.current != null) {
                    closeLocked(e.current, "shutting down", "shutting down");
                }
                // Once its HANDSHAKE is out the responder may already count the connection as up: say why it ends.
                Connection attempt = e.attempt;
                abandonAttemptLocked(e, attempt != null && attempt.link() != null ? "shutting down" : null, "shutting down");
            }
            for (Connection c : unidentified.all()) {
                collect(closing, c);
                closeLocked(c, null, "shutting down");
            }
        }
        return closing;
    }

    private static void collect(List<Link> out, Connection c) {
        if (c != null && c.link() != null) {
            out.add(c.link());
        }
    }

    // ---------------------------------------------------------------- configuration

    /** The snapshot in force. */
    public NodeConfig config() {
        return config;
    }

    public NodeAddress self() {
        return self;
    }

    /**
     * Applies a new configuration as a diff, atomically for readers: peers that joined
     * are registered (and dialed or awaited), peers that left are closed with GOODBYE
     * {@code removed from peer list}, untouched peers keep their connections. When this
     * node's own address changed, every pair is judged again by the direction rule and
     * a connection whose initiator would now be the other side is closed with GOODBYE
     * {@code direction changed} (the caller has already moved the listener). Other keys
     * apply to connections made from now on.
     */
    public void apply(NodeConfig next) {
        synchronized (lock) {
            NodeAddress oldSelf = self;
            config = next;
            self = next.self();
            Set<NodeAddress> wanted = new HashSet<>(next.peers());
            for (PeerEntry e : new ArrayList<>(peers.values())) {
                if (e.configured && !wanted.contains(e.address)) {
                    unregisterLocked(e);
                }
            }
            if (!oldSelf.equals(self)) {
                log.info("{} - This node's address changed from {}; judging every pair again", self, oldSelf);
                rejudgeLocked();
            }
            for (NodeAddress p : next.peers()) {
                registerLocked(p);
            }
        }
    }

    private void rejudgeLocked() {
        for (PeerEntry e : new ArrayList<>(peers.values())) {
            Connection c = e.current;
            if (c == null) {
                continue;
            }
            boolean initiatedHere = c.direction() == Direction.OUTBOUND;
            boolean reverseNow = initiatedHere != initiator(e.address);
            if (reverseNow != c.isReverse()) {
                closeLocked(c, "direction changed", "direction changed: " + self + " now "
                        + (initiator(e.address) ? "initiates" : "accepts") + " for " + e.address);
            }
        }
        // A dial in flight was judged by the old address; start over by the new rule.
        for (PeerEntry e : new ArrayList<>(peers.values())) {
            abandonAttemptLocked(e, null, "this node's address changed");
            cancelTimersLocked(e);
            e.awaySinceNanos = System.nanoTime();
            planLocked(e, true);
        }
    }

    /** Adds {@code peer} to the peer list of this running pool. */
    public void register(NodeAddress peer) {
        synchronized (lock) {
            registerLocked(peer);
        }
    }

    /** Removes {@code peer}, closing its connection with GOODBYE {@code removed from peer list}. */
    public void unregister(NodeAddress peer) {
        synchronized (lock) {
            PeerEntry e = peers.get(peer);
            if (e != null) {
                unregisterLocked(e);
            }
        }
    }

    private void registerLocked(NodeAddress p) {
        if (p.equals(self)) {
            return;
        }
        PeerEntry e = peers.get(p);
        if (e == null) {
            e = addEntryLocked(p, true);
            log.info("{} - Peer {} added; {}", self, p, initiator(p) ? "dialing it" : "awaiting its dial");
        } else if (!e.configured) {
            e.configured = true;
        }
        planLocked(e, true);
    }

    private void unregisterLocked(PeerEntry e) {
        if (e.current != null) {
            closeLocked(e.current, "removed from peer list", "removed from peer list");
        }
        e.configured = false;
        cancelTimersLocked(e);
        abandonAttemptLocked(e, null, "removed from peer list");
        removeEntryLocked(e, "removed from peer list");
        log.info("{} - Peer {} removed", self, e.address);
    }

    private PeerEntry addEntryLocked(NodeAddress p, boolean configured) {
        PeerEntry e = new PeerEntry(p, configured);
        peers.put(p, e);
        events.emit(PeerEvent.Kind.ADDED, p, null, configured ? "in the peer list" : "unlisted peer admitted", null);
        return e;
    }

    private void removeEntryLocked(PeerEntry e, String reason) {
        if (peers.remove(e.address, e)) {
            events.emit(PeerEvent.Kind.REMOVED, e.address, null, reason, null);
        }
    }

    // ---------------------------------------------------------------- decisions

    /** The direction rule: this node initiates exactly when its address is the lower one. */
    public boolean shouldConnectTo(NodeAddress peer) {
        return initiator(peer);
    }

    private boolean initiator(NodeAddress peer) {
        return self.compareTo(peer) < 0;
    }

    /**
     * Sets up what should happen next for a peer with no usable connection: the
     * initiator dials (now or after backoff), the responder waits and arms its reverse
     * dial. {@code now} dials at once instead of after a backoff delay.
     */
    private void planLocked(PeerEntry e, boolean now) {
        if (!dialing || !e.configured || e.attempt != null) {
            return;
        }
        if (initiator(e.address)) {
            boolean canonicalUp = e.current != null && !e.current.isReverse();
            if (canonicalUp || e.retry != null) {
                return;
            }
            if (now) {
                dialLocked(e, false);
            } else {
                scheduleRetryLocked(e);
            }
        } else if (e.current == null && e.retry == null) {
            armReverseLocked(e);
        }
    }

    private void armReverseLocked(PeerEntry e) {
        cancel(e.reverseTimer);
        e.reverseTimer = null;
        int after = config.reverseDialAfterS();
        if (after <= 0) {
            return;
        }
        long waitNanos = e.awaySinceNanos + TimeUnit.SECONDS.toNanos(after) - System.nanoTime();
        e.reverseTimer = timer.schedule(() -> {
            synchronized (lock) {
                if (peers.get(e.address) == e) {
                    e.reverseTimer = null;
                    if (wantsReverseDialLocked(e)) {
                        log.info("{} - No connection from {} for {} s; dialing it in reverse", self, e.address, after);
                        dialLocked(e, true);
                    }
                }
            }
        }, Math.max(0, waitNanos), TimeUnit.NANOSECONDS);
    }

    private boolean wantsReverseDialLocked(PeerEntry e) {
        int after = config.reverseDialAfterS();
        return dialing && e.configured && after > 0 && e.current == null && e.attempt == null
                && !initiator(e.address)
                && System.nanoTime() - e.awaySinceNanos >= TimeUnit.SECONDS.toNanos(after);
    }

    private boolean wantsDialLocked(PeerEntry e) {
        if (!dialing || !e.configured || e.attempt != null) {
            return false;
        }
        if (initiator(e.address)) {
            return e.current == null || e.current.isReverse();
        }
        return wantsReverseDialLocked(e);
    }

    private void scheduleRetryLocked(PeerEntry e) {
        if (e.retry != null) {
            return;
        }
        NodeConfig cfg = config;
        scheduleRetryLocked(e, Backoff.delayMs(e.failedAttempts, cfg.reconnectMinMs(), cfg.reconnectMaxMs()));
    }

    private void scheduleRetryLocked(PeerEntry e, long delay) {
        e.retry = timer.schedule(() -> {
            synchronized (lock) {
                if (peers.get(e.address) != e) {
                    return;
                }
                e.retry = null;
                if (wantsDialLocked(e)) {
                    dialLocked(e, !initiator(e.address));
                } else if (!initiator(e.address) && e.current == null) {
                    armReverseLocked(e);
                }
            }
        }, delay, TimeUnit.MILLISECONDS);
    }

    private void dialLocked(PeerEntry e, boolean reverse) {
        cancel(e.retry);
        e.retry = null;
        if (e.closing != null && e.closing.isOpen()) {
            // The peer is still reading up to our GOODBYE; a new connection now would supersede that one mid-read.
            scheduleRetryLocked(e, CLOSING_POLL_MS);
            return;
        }
        e.closing = null;
        NodeConfig cfg = config;
        Connection c = new Connection(Direction.OUTBOUND, e.address, cfg.maxFrameBytes(), cfg.maxPendingBytes());
        c.identify(e.address, reverse);
        e.attempt = c;
        connectAttempts.incrementAndGet();
        Dialer d = dialer;
        // Outside the lock: a dialer may report a failure on the calling thread.
        timer.execute(() -> d.dial(e.address, c));
    }

    // ---------------------------------------------------------------- transport callbacks

    /** An outbound TCP connection for {@code attempt} is up: send HANDSHAKE. */
    public void onDialConnected(Connection attempt, Link link) {
        synchronized (lock) {
            attempt.attach(link);
            PeerEntry e = peers.get(attempt.peer());
            if (e == null || e.attempt != attempt || attempt.isClosing()) {
                attempt.beginClose("attempt no longer wanted");
                link.closeNow();
                return;
            }
            attempt.handshakeTimer = scheduleHandshakeTimeout(attempt);
            attempt.sendControl(new Message.Handshake(HandshakeCheck.PROTOCOL_VERSION, self.toString()));
        }
    }

    /** The TCP connect for {@code attempt} failed. */
    public void onDialFailed(Connection attempt, Throwable cause) {
        synchronized (lock) {
            attempt.beginClose("connect failed");
            PeerEntry e = peers.get(attempt.peer());
            if (e != null && e.attempt == attempt) {
                e.attempt = null;
                attemptFailedLocked(e, "connect failed: " + describe(cause));
            }
        }
    }

    /** A peer's TCP connection was accepted; returns the connection the transport reports on. */
    public Connection onAccepted(Link link) {
        NodeConfig cfg = config;
        Connection c = new Connection(Direction.INBOUND, null, cfg.maxFrameBytes(), cfg.maxPendingBytes());
        c.attach(link);
        synchronized (lock) {
            if (!accepting) {
                c.beginClose("not accepting");
                link.closeNow();
                return c;
            }
            if (!unidentified.admit(c, cfg.maxHandshakingPerIp())) {
                handshakesRefused.incrementAndGet();
                poolLog.warnRepeated("flood", link.remoteAddress(), "Refused a connection from {}: " + cfg.maxHandshakingPerIp()
                        + " from that IP are already in handshake (max_handshaking_per_ip)");
                c.beginClose("refused: too many connections in handshake from one IP");
                link.closeNow();
                return c;
            }
            Connection oldest;
            while ((oldest = unidentified.oldestOver(cfg.maxHandshaking())) != null) {
                handshakesRefused.incrementAndGet();
                poolLog.warnRepeated("flood", oldest.link().remoteAddress(), "Dropped a connection from {}: more than "
                        + cfg.maxHandshaking() + " connections in handshake (max_handshaking); the oldest goes first");
                closeLocked(oldest, null, "dropped: too many connections in handshake");
            }
            c.handshakeTimer = scheduleHandshakeTimeout(c);
        }
        return c;
    }

    /** A whole message arrived on {@code c}. */
    public void onMessage(Connection c, Message m) {
        if (c.isEstablished()) {
            onEstablishedMessage(c, m);
            return;
        }
        synchronized (lock) {
            if (c.isClosing()) {
                return;
            }
            if (c.direction() == Direction.INBOUND) {
                if (m instanceof Message.Handshake h) {
                    acceptHandshakeLocked(c, h);
                } else {
                    violationLocked(c, "first frame is type 0x" + Integer.toHexString(m.type()) + ", not HANDSHAKE");
                }
            } else if (m instanceof Message.HandshakeAck ack) {
                completeHandshakeLocked(c, ack);
            } else {
                violationLocked(c, "first frame is type 0x" + Integer.toHexString(m.type()) + ", not HANDSHAKE_ACK");
            }
        }
    }

    private void onEstablishedMessage(Connection c, Message m) {
        if (m instanceof Message.Handshake || m instanceof Message.HandshakeAck) {
            onViolation(c, (m instanceof Message.Handshake ? "HANDSHAKE" : "HANDSHAKE_ACK") + " after the handshake");
            return;
        }
        c.received(m);
        if (m instanceof Message.Announce a) {
            clocks.announced(c.peer(), a.timestampMs(), System.currentTimeMillis());
        }
        if (m instanceof Message.Payload p) {
            events.deliver(c.peer(), p);
        } else if (m instanceof Message.Goodbye g) {
            synchronized (lock) {
                closeLocked(c, null, "peer said goodbye: " + LogText.printable(g.reason()));
            }
        } else if (m instanceof Message.Unknown u) {
            unknownMessages.incrementAndGet();
            log.debug("{} - Ignored a frame of unknown type 0x{} from {}", self, Integer.toHexString(u.type()), c.peer());
        }
    }

    /** A frame on {@code c} broke the protocol: close at once, count and log it once. */
    public void onViolation(Connection c, String reason) {
        synchronized (lock) {
            violationLocked(c, reason);
        }
    }

    /** Nothing arrived on {@code c} for the read-idle time. */
    public void onIdle(Connection c) {
        synchronized (lock) {
            if (c.isEstablished()) {
                closeLocked(c, "idle timeout", "idle timeout: nothing received for " + config.idleTimeoutS() + " s");
            }
        }
    }

    /** A socket error on {@code c}, such as a failed write: close at once. */
    public void onError(Connection c, Throwable cause) {
        synchronized (lock) {
            closeLocked(c, null, "I/O error: " + describe(cause));
        }
    }

    /** The socket of {@code c} is closed, whoever closed it. */
    public void onClosed(Connection c) {
        synchronized (lock) {
            closeLocked(c, null, c.isEstablished() ? "connection closed by peer" : "closed during handshake");
        }
    }

    // ---------------------------------------------------------------- handshake

    private ScheduledFuture<?> scheduleHandshakeTimeout(Connection c) {
        int ms = config.handshakeTimeoutMs();
        return timer.schedule(() -> {
            synchronized (lock) {
                if (!c.isEstablished() && !c.isClosing()) {
                    handshakeFailures.incrementAndGet();
                    closeLocked(c, null, "handshake timeout: no " + (c.direction() == Direction.INBOUND
                            ? "HANDSHAKE" : "HANDSHAKE_ACK") + " within " + ms + " ms");
                }
            }
        }, ms, TimeUnit.MILLISECONDS);
    }

    private void acceptHandshakeLocked(Connection c, Message.Handshake h) {
        cancel(c.handshakeTimer);
        c.handshakeTimer = null;
        unidentified.remove(c);
        InetAddress source = c.link().remoteAddress().getAddress();
        String yourIp = NodeAddress.ipText(source);
        HandshakeCheck.Result r = HandshakeCheck.check(h, source, self, config.acceptUnknownPeers(),
                a -> {
                    PeerEntry e = peers.get(a);
                    return e != null && e.configured;
                },
                a -> {
                    PeerEntry e = peers.get(a);
                    return e != null && e.current != null;
                });
        if (!r.accepted()) {
            handshakeFailures.incrementAndGet();
            poolLog.warnRepeated("rejection", c.link().remoteAddress(), "Rejected handshake from {}: " + r.rejection());
            c.sendControl(new Message.HandshakeAck(false, yourIp, self.toString(), r.rejection()));
            c.beginClose("rejected: " + r.rejection());
            closer.afterFlush(c.link());
            return;
        }
        NodeAddress peer = r.peer();
        boolean reverse = peer.compareTo(self) > 0;
        PeerEntry e = peers.get(peer);
        if (e == null) {
            e = addEntryLocked(peer, false);
        }
        c.identify(peer, reverse);
        if (e.current != null) {
            supersedeLocked(e, e.current);
        }
        if (!reverse) {
            // The peer's canonical dial wins over anything this node was trying itself.
            cancel(e.retry);
            e.retry = null;
            abandonAttemptLocked(e, null, "superseded by the peer's own dial");
        }
        c.markEstablished(null);
        c.sendControl(new Message.HandshakeAck(true, yourIp, self.toString(), ""));
        establishedLocked(e, c);
    }

    private void completeHandshakeLocked(Connection c, Message.HandshakeAck ack) {
        cancel(c.handshakeTimer);
        c.handshakeTimer = null;
        PeerEntry e = peers.get(c.peer());
        if (e == null || e.attempt != c) {
            closeLocked(c, null, "attempt no longer wanted");
            return;
        }
        NodeAddress answered = tryParse(ack.myAddress());
        if (!c.peer().equals(answered)) {
            handshakeFailures.incrementAndGet();
            closeLocked(c, null, "unexpected peer: dialed " + c.peer() + ", answered as '"
                    + LogText.printable(ack.myAddress()) + "'");
            return;
        }
        if (!ack.accepted()) {
            handshakeFailures.incrementAndGet();
            closeLocked(c, null, "rejected by peer: " + LogText.printable(ack.reason()));
            return;
        }
        e.attempt = null;
        Connection old = e.current;
        if (old != null) {
            if (c.isReverse() && !old.isReverse()) {
                // The peer's canonical dial got here first; it stays, this reverse one goes.
                supersededCount.incrementAndGet();
                closeLocked(c, "superseded", "superseded by the canonical connection");
                return;
            }
            supersedeLocked(e, old);
        }
        if (!c.isReverse()) {
            cancel(e.retry);
            e.retry = null;
        }
        c.markEstablished(ack.yourIp());
        if (!seenAsSelf(ack.yourIp())) {
            log.warn("{} - Peer {} sees this node's connections coming from {}, not {}", self, c.peer(), ack.yourIp(),
                    NodeAddress.ipText(self.ip()));
        }
        establishedLocked(e, c);
    }

    private void establishedLocked(PeerEntry e, Connection c) {
        e.current = c;
        cancel(e.reverseTimer);
        e.reverseTimer = null;
        String line = "Connected to " + e.address + " (" + c.direction() + (c.isReverse() ? ", reverse" : "") + ")"
                + (e.failedAttempts > 0 ? " after " + e.failedAttempts + " failed attempts" : "");
        e.failedAttempts = 0;
        e.unloggedFailures = 0;
        startHeartbeat(c);
        events.emit(PeerEvent.Kind.CONNECTED, e.address, c.direction(), "", line);
    }

    private void supersedeLocked(PeerEntry e, Connection old) {
        supersededCount.incrementAndGet();
        e.current = null;
        closeLocked(old, "superseded", "superseded");
        events.emit(PeerEvent.Kind.DISCONNECTED, e.address, old.direction(), "superseded",
                "Connection with " + e.address + " superseded by a new one");
    }

    private boolean seenAsSelf(String ip) {
        try {
            return self.sameIp(NodeAddress.parseIp(ip, ip));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static NodeAddress tryParse(String text) {
        try {
            return NodeAddress.parse(text);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    // ---------------------------------------------------------------- closing

    private void violationLocked(Connection c, String reason) {
        if (c.isClosing()) {
            return;
        }
        protocolViolations.incrementAndGet();
        String who = c.peer() != null ? c.peer().toString() : "";
        poolLog.warnRepeated("violation", c.link() == null ? null : c.link().remoteAddress(),
                "Protocol violation from {}" + (who.isEmpty() ? "" : " (" + who + ")") + ": " + reason + "; connection closed");
        closeLocked(c, null, "protocol violation: " + reason);
    }

    /**
     * The one way a connection ends: records the reason, detaches it from its peer
     * (emitting the event and planning a reconnect), then sends GOODBYE
     * {@code goodbye} and closes after flushing, or closes at once when
     * {@code goodbye} is null. Idempotent.
     */
    private void closeLocked(Connection c, String goodbye, String reason) {
        if (!c.beginClose(reason)) {
            return;
        }
        cancel(c.handshakeTimer);
        cancel(c.heartbeat);
        unidentified.remove(c);
        Link l = c.link();
        PeerEntry e = c.peer() == null ? null : peers.get(c.peer());
        if (e != null && e.current == c) {
            e.current = null;
            e.closing = goodbye != null ? l : null;
            e.awaySinceNanos = System.nanoTime();
            events.emit(PeerEvent.Kind.DISCONNECTED, e.address, c.direction(), reason,
                    "Disconnected from " + e.address + ": " + reason);
            if (!e.configured) {
                removeEntryLocked(e, "unlisted peer disconnected");
            } else {
                planLocked(e, false);
            }
        } else if (e != null && e.attempt == c) {
            e.attempt = null;
            attemptFailedLocked(e, reason);
        }
        if (l == null) {
            return;
        }
        if (goodbye != null) {
            closer.goodbye(c, l, goodbye);
        } else {
            l.closeNow();
        }
    }

    private void attemptFailedLocked(PeerEntry e, String reason) {
        e.failedAttempts++;
        e.lastError = reason;
        if (!dialing || !e.configured) {
            return;
        }
        poolLog.dialFailed(e, reason);
        if (initiator(e.address) ? wantsDialLocked(e) : e.current == null) {
            // A failed reverse dial is retried at the same backoff pace while the peer stays away.
            scheduleRetryLocked(e);
        }
    }

    private static String describe(Throwable t) {
        if (t == null) {
            return "unknown error";
        }
        String m = t.getMessage();
        return m == null || m.isBlank() ? t.getClass().getSimpleName() : m;
    }

    /** Stops the peer's pending redial and reverse-dial check. */
    private static void cancelTimersLocked(PeerEntry e) {
        cancel(e.retry);
        cancel(e.reverseTimer);
        e.retry = null;
        e.reverseTimer = null;
    }

    /**
     * Ends this node's dial in progress to {@code e}, if any, without counting it as a
     * failed attempt: it is detached first, so closing it plans no retry.
     */
    private void abandonAttemptLocked(PeerEntry e, String goodbye, String reason) {
        Connection attempt = e.attempt;
        e.attempt = null;
        if (attempt != null) {
            closeLocked(attempt, goodbye, reason);
        }
    }

    private static void cancel(ScheduledFuture<?> f) {
        if (f != null) {
            f.cancel(false);
        }
    }

    // ---------------------------------------------------------------- heartbeat

    private void startHeartbeat(Connection c) {
        long period = TimeUnit.SECONDS.toMillis(config.heartbeatIntervalS());
        // Spread first beats over the second half of the interval so many connections never beat together.
        long first = period / 2 + ThreadLocalRandom.current().nextLong(period / 2 + 1);
        c.heartbeat = timer.scheduleAtFixedRate(() -> {
            long seq = ++c.announceSequence;
            sendOn(c, MessageCodec.encode(new Message.Announce(self.toString(), seq, System.currentTimeMillis())));
        }, first, period, TimeUnit.MILLISECONDS);
    }

    // ---------------------------------------------------------------- sending

    /**
     * Sends {@code m} to one peer. The future completes once the frame is written, and
     * fails with {@link SendFailedException} when the peer is not connected, its send
     * queue is full, or the connection fails first.
     */
    public CompletableFuture<Void> send(NodeAddress peer, Message m) {
        Connection c;
        synchronized (lock) {
            PeerEntry e = peers.get(peer);
            c = e == null ? null : e.current;
        }
        if (c == null) {
            return CompletableFuture.failedFuture(new SendFailedException(peer, "not connected"));
        }
        return sendOn(c, MessageCodec.encode(m));
    }

    /** Sends {@code m} to every connected peer, encoding it once; one future per peer. */
    public Map<NodeAddress, CompletableFuture<Void>> broadcast(Message m) {
        List<Connection> targets = new ArrayList<>();
        synchronized (lock) {
            for (PeerEntry e : peers.values()) {
                if (e.current != null) {
                    targets.add(e.current);
                }
            }
        }
        IoBuffer frame = MessageCodec.encode(m);
        Map<NodeAddress, CompletableFuture<Void>> out = new LinkedHashMap<>();
        for (Connection c : targets) {
            out.put(c.peer(), sendOn(c, frame.duplicate()));
        }
        return out;
    }

    private CompletableFuture<Void> sendOn(Connection c, IoBuffer frame) {
        return c.send(frame, () -> {
            synchronized (lock) {
                log.warn("{} - Send queue to {} passed max_pending_bytes ({}); disconnecting it", self, c.peer(),
                        config.maxPendingBytes());
                closeLocked(c, "send queue full", "send queue full");
            }
        });
    }

    // ---------------------------------------------------------------- operations

    /** Closes the connection with {@code peer}; the initiator reconnects by its rules. */
    public boolean disconnect(NodeAddress peer, String why) {
        synchronized (lock) {
            PeerEntry e = peers.get(peer);
            if (e == null || e.current == null) {
                return false;
            }
            closeLocked(e.current, why, why);
            return true;
        }
    }

    /** Dials {@code peer} now, skipping any backoff wait, when this node is its initiator. */
    public boolean connectNow(NodeAddress peer) {
        synchronized (lock) {
            PeerEntry e = peers.get(peer);
            if (e == null || !initiator(peer) || !wantsDialLocked(e)) {
                return false;
            }
            dialLocked(e, false);
            return true;
        }
    }

    // ---------------------------------------------------------------- listeners

    public void addPeerListener(PeerListener l) {
        events.add(l);
    }

    public void removePeerListener(PeerListener l) {
        events.remove(l);
    }

    public void addPayloadListener(PayloadListener l) {
        events.add(l);
    }

    public void removePayloadListener(PayloadListener l) {
        events.remove(l);
    }

    // ---------------------------------------------------------------- reading

    public boolean isConnected(NodeAddress peer) {
        synchronized (lock) {
            PeerEntry e = peers.get(peer);
            return e != null && e.current != null;
        }
    }

    /** Connected peers in address order. */
    public List<NodeAddress> connectedPeers() {
        synchronized (lock) {
            List<NodeAddress> out = new ArrayList<>();
            for (PeerEntry e : peers.values()) {
                if (e.current != null) {
                    out.add(e.address);
                }
            }
            Collections.sort(out);
            return out;
        }
    }

    /** Configured peers in address order. */
    public List<NodeAddress> configuredPeers() {
        return config.peers();
    }

    public int connectionCount() {
        return connectedPeers().size();
    }

    /** A consistent view of every known peer (configured or connected), in address order. */
    public List<PeerSnapshot> snapshots() {
        synchronized (lock) {
            List<PeerSnapshot> out = new ArrayList<>(peers.size());
            for (PeerEntry e : peers.values()) {
                out.add(PeerSnapshot.of(e));
            }
            out.sort((a, b) -> a.address().compareTo(b.address()));
            return out;
        }
    }

    public Optional<PeerSnapshot> snapshot(NodeAddress peer) {
        synchronized (lock) {
            PeerEntry e = peers.get(peer);
            return e == null ? Optional.empty() : Optional.of(PeerSnapshot.of(e));
        }
    }

    /** The established connection with {@code peer}, if any (for diagnostics and tests). */
    public Optional<Connection> connection(NodeAddress peer) {
        synchronized (lock) {
            PeerEntry e = peers.get(peer);
            return Optional.ofNullable(e == null ? null : e.current);
        }
    }

    /** Accepted connections still waiting for their HANDSHAKE. */
    public int handshakingInbound() {
        synchronized (lock) {
            return unidentified.size();
        }
    }

    /** Strangers' connections refused or dropped by the handshake bounds. */
    public long handshakesRefused() {
        return handshakesRefused.get();
    }

    public long connectAttempts() {
        return connectAttempts.get();
    }

    public long handshakeFailures() {
        return handshakeFailures.get();
    }

    public long protocolViolations() {
        return protocolViolations.get();
    }

    public long superseded() {
        return supersededCount.get();
    }

    public long unknownMessages() {
        return unknownMessages.get();
    }

    /** Each peer's disconnect history and the pool's open/close counters. */
    public PeerHistory history() {
        return history;
    }

    /** Each peer's clock offset, from its ANNOUNCE heartbeats. */
    public ClockOffsets clocks() {
        return clocks;
    }
}
