package org.peerpool.pool;

import java.net.InetAddress;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import org.peerpool.PeerEvent;
import org.peerpool.PeerEvent.Direction;
import org.peerpool.config.NodeConfig;
import org.peerpool.tls.TlsMode;
import org.peerpool.wire.Message;
import org.peerpool.wire.NodeAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The handshake in both roles (PROTOCOL.md section 4): the initiator's HANDSHAKE and
 * its check of the ACK, the responder's admission of strangers, its checks and its
 * ACK, the handshake timeout, and the supersede that keeps one connection per pair.
 * Every method needs the pool's lock.
 */
final class Handshakes {

    private static final Logger log = LoggerFactory.getLogger(ConnectionPool.class);
    /** How the refusal of an unlisted peer past max_unknown_peers(_per_ip) starts (PROTOCOL.md section 4). */
    static final String TOO_MANY_UNKNOWN = "too many unknown peers";

    private final PoolState state;
    private final Closer closer;
    private final Sender sender;
    private final DialPlanner planner;
    private final MeshGossip mesh;

    /**
     * The listed peers' IPs, for the config they were taken from: asked for every accepted
     * connection while a burst passes max_handshaking, so a set, not a scan of the list.
     */
    private NodeConfig peerIpsOf;
    private Set<InetAddress> peerIps = Set.of();

    Handshakes(PoolState state, Closer closer, Sender sender, DialPlanner planner, MeshGossip mesh) {
        this.mesh = mesh;
        this.state = state;
        this.closer = closer;
        this.sender = sender;
        this.planner = planner;
    }

    private Message.Limits ownLimits() {
        NodeConfig cfg = state.config();
        return new Message.Limits(cfg.maxFrameBytes(), TimeUnit.SECONDS.toMillis(cfg.heartbeatIntervalS()));
    }

    /**
     * An outbound TCP connection for {@code attempt} is up: send HANDSHAKE, or, when TLS
     * is starting on it, once TLS is up. The timeout runs from now, TLS included.
     */
    void dialConnectedLocked(Connection attempt, Link link) {
        state.assertLocked();
        attempt.attach(link);
        attempt.dialSettled();
        PeerEntry e = state.entryLocked(attempt.peer());
        if (e == null || e.attempt != attempt || attempt.isClosing()) {
            attempt.beginClose("attempt no longer wanted");
            state.afterUnlockLocked(link::closeNow);
            return;
        }
        attempt.handshakeTimer = scheduleTimeoutLocked(attempt);
        if (!link.tlsPending()) {
            sendHandshakeLocked(attempt);
        }
    }

    private void sendHandshakeLocked(Connection attempt) {
        attempt.sendControl(new Message.Handshake(HandshakeCheck.PROTOCOL_VERSION, state.self().toString(),
                ownLimits()));
    }

    /** TLS is up on {@code c}: an initiator's HANDSHAKE goes out now; a responder waits for the peer's. */
    void securedLocked(Connection c) {
        state.assertLocked();
        if (c.direction() != Direction.OUTBOUND || c.isClosing() || c.isEstablished()) {
            return;
        }
        PeerEntry e = state.entryLocked(c.peer());
        if (e == null || e.attempt != c) {
            closer.closeLocked(c, null, "attempt no longer wanted");
            return;
        }
        // The trust manager checked the pin on a full handshake only: a resumed session skips it.
        String mismatch = SecurityRules.pinCheck(state.config().pinsOf(c.peer()), c.link().security());
        if (mismatch != null) {
            state.counters.keyMismatches.incrementAndGet();
            state.counters.handshakeFailures.incrementAndGet();
            closer.closeLocked(c, null, mismatch);
            return;
        }
        sendHandshakeLocked(c);
    }

    /**
     * A stranger's first byte starts TLS: answer it unless TLS is off, in which case it is
     * closed without an answer and logged once per source IP (PROTOCOL.md section 7).
     */
    boolean tlsOfferedLocked(Connection c) {
        state.assertLocked();
        if (c.isClosing()) {
            return false;
        }
        if (state.config().tls().mode() != TlsMode.OFF) {
            return true;
        }
        state.poolLog.warnRepeatedLocked("tls-off", c.link().remoteAddress(),
                "Closed a TLS connection from {}: TLS is off on this node ([tls] mode = off)");
        closer.closeLocked(c, null, "TLS offered, but TLS is off");
        return false;
    }

    /**
     * A stranger's TCP connection was accepted: admit it within the handshake bounds
     * ({@code max_handshaking_per_ip}, then {@code max_handshaking}, where the oldest
     * waiter makes room) and start its handshake timer.
     */
    void acceptedLocked(Connection c) {
        state.assertLocked();
        Link link = c.link();
        NodeConfig cfg = state.config();
        if (!state.acceptingLocked()) {
            c.beginClose("not accepting");
            link.closeNow();
            return;
        }
        PendingHandshakes waiting = state.unidentifiedLocked();
        if (!waiting.admit(c, cfg.maxHandshakingPerIp())) {
            state.counters.handshakesRefused.incrementAndGet();
            state.poolLog.warnRepeatedLocked("flood", link.remoteAddress(), "Refused a connection from {}: "
                    + cfg.maxHandshakingPerIp() + " from that IP are already in handshake (max_handshaking_per_ip)");
            c.beginClose("refused: too many connections in handshake from one IP");
            link.closeNow();
            return;
        }
        Connection oldest;
        Set<InetAddress> peerIps = peerIpsLocked(cfg);
        while ((oldest = waiting.oldestOver(cfg.maxHandshaking(),
                ip -> peerIps.contains(NodeAddress.canonicalIp(ip)), peerIps.size())) != null) {
            state.counters.handshakesRefused.incrementAndGet();
            state.poolLog.warnRepeatedLocked("flood", oldest.link().remoteAddress(), "Dropped a connection from {}: more than "
                    + cfg.maxHandshaking() + " connections in handshake (max_handshaking); the oldest stranger goes first");
            closer.closeLocked(oldest, null, "dropped: too many connections in handshake");
        }
        c.handshakeTimer = scheduleTimeoutLocked(c);
    }

    /** The first frame on a connection still in handshake. */
    void firstFrameLocked(Connection c, Message m) {
        state.assertLocked();
        if (c.isClosing()) {
            return;
        }
        if (c.direction() == Direction.INBOUND) {
            if (m instanceof Message.Handshake h) {
                respondLocked(c, h);
            } else {
                closer.violationLocked(c, "first frame is type 0x" + Integer.toHexString(m.type()) + ", not HANDSHAKE");
            }
        } else if (m instanceof Message.HandshakeAck ack) {
            completeLocked(c, ack);
        } else {
            closer.violationLocked(c, "first frame is type 0x" + Integer.toHexString(m.type()) + ", not HANDSHAKE_ACK");
        }
    }

    private Set<InetAddress> peerIpsLocked(NodeConfig cfg) {
        if (cfg != peerIpsOf) {
            Set<InetAddress> ips = new HashSet<>();
            for (NodeAddress p : cfg.peers()) {
                ips.add(p.ip());
            }
            peerIps = ips;
            peerIpsOf = cfg;
        }
        return peerIps;
    }

    private ScheduledFuture<?> scheduleTimeoutLocked(Connection c) {
        int ms = state.config().handshakeTimeoutMs();
        return state.scheduleLocked(() -> {
            if (!c.isEstablished() && !c.isClosing()) {
                state.counters.handshakeFailures.incrementAndGet();
                closer.closeLocked(c, null, "handshake timeout: no " + (c.direction() == Direction.INBOUND
                        ? "HANDSHAKE" : "HANDSHAKE_ACK") + " within " + ms + " ms");
            }
        }, ms, TimeUnit.MILLISECONDS);
    }

    private void respondLocked(Connection c, Message.Handshake h) {
        PoolState.cancel(c.handshakeTimer);
        c.handshakeTimer = null;
        state.unidentifiedLocked().remove(c);
        NodeAddress self = state.self();
        InetAddress source = c.link().remoteAddress().getAddress();
        String yourIp = NodeAddress.ipText(source);
        NodeConfig cfg = state.config();
        HandshakeCheck.Result r = HandshakeCheck.check(h, source, self, cfg.acceptUnknownPeers(),
                a -> {
                    PeerEntry e = state.entryLocked(a);
                    return e != null && e.configured;
                },
                a -> unknownFullLocked(a, cfg),
                a -> SecurityRules.responderCheck(cfg.tls().mode(), cfg.pinsOf(a), c.link().security()),
                a -> {
                    PeerEntry e = state.entryLocked(a);
                    return e == null ? null : SecurityRules.downgradeCheck(cfg.tls().mode(), cfg.pinsOf(a),
                            e.current == null ? null : e.current.link().security(), c.link().security(),
                            e.pinnedTlsSeen);
                },
                a -> {
                    PeerEntry e = state.entryLocked(a);
                    return e != null && e.current != null;
                });
        if (!r.accepted()) {
            state.counters.handshakeFailures.incrementAndGet();
            if (r.rejection().startsWith(SecurityRules.KEY_MISMATCH)) {
                state.counters.keyMismatches.incrementAndGet();
            }
            state.poolLog.warnRepeatedLocked("rejection", c.link().remoteAddress(), "Rejected handshake from {}: "
                    + r.rejection());
            c.sendControl(new Message.HandshakeAck(false, yourIp, self.toString(), r.rejection(), ownLimits()));
            closer.rejectLocked(c, r.rejection());
            return;
        }
        NodeAddress peer = r.peer();
        boolean reverse = peer.compareTo(self) > 0;
        PeerEntry e = state.entryLocked(peer);
        if (e == null) {
            e = new PeerEntry(peer, false, state.clock.nanoTime());
            state.putEntryLocked(e);
            state.events.emit(PeerEvent.Kind.ADDED, peer, null, "unlisted peer admitted", null);
        }
        c.identify(peer, reverse);
        boolean replaced = false;
        if (e.current != null) {
            closer.supersedeLocked(e, e.current);
            replaced = true;
        }
        if (!reverse) {
            // The peer's canonical dial wins over anything this node was trying itself.
            closer.abandonAttemptLocked(e, null, "superseded by the peer's own dial");
        }
        // The ACK goes first on the link: no send can be queued before it, as the connection is not yet in use.
        c.sendControl(new Message.HandshakeAck(true, yourIp, self.toString(), "", ownLimits()));
        establishedLocked(e, c, null, h.limits(), replaced);
    }

    private void completeLocked(Connection c, Message.HandshakeAck ack) {
        PoolState.cancel(c.handshakeTimer);
        c.handshakeTimer = null;
        PeerEntry e = state.entryLocked(c.peer());
        if (e == null || e.attempt != c) {
            closer.closeLocked(c, null, "attempt no longer wanted");
            return;
        }
        NodeAddress answered = tryParse(ack.myAddress());
        if (!c.peer().equals(answered)) {
            state.counters.handshakeFailures.incrementAndGet();
            closer.closeLocked(c, null, "unexpected peer: dialed " + c.peer() + ", answered as '"
                    + LogText.printable(ack.myAddress()) + "'");
            return;
        }
        if (!ack.accepted()) {
            state.counters.handshakeFailures.incrementAndGet();
            closer.closeLocked(c, null, "rejected by peer: " + LogText.printable(ack.reason()));
            return;
        }
        e.attempt = null;
        Connection old = e.current;
        if (old != null) {
            if (c.isReverse() && !old.isReverse()) {
                // The peer's canonical dial got here first; it stays, this reverse one goes.
                state.counters.superseded.incrementAndGet();
                closer.closeLocked(c, "superseded", "superseded by the canonical connection");
                return;
            }
            closer.supersedeLocked(e, old);
        }
        boolean replaced = old != null;
        if (!seenAsSelf(ack.yourIp())) {
            NodeAddress self = state.self();
            state.afterUnlockLocked(() -> log.warn("{} - Peer {} sees this node's connections coming from {}, not {}",
                    self, c.peer(), LogText.printable(ack.yourIp()), NodeAddress.ipText(self.ip())));
        }
        // Shown on the Peer bean: the peer wrote it, so it is bounded and escaped like a log line.
        establishedLocked(e, c, LogText.printable(ack.yourIp()), ack.limits(), replaced);
    }

    /** {@code replaced}: {@code c} took over from the peer's connection, so the connected set did not change. */
    private void establishedLocked(PeerEntry e, Connection c, String seenIp, Message.Limits peerLimits,
                                   boolean replaced) {
        NodeConfig cfg = state.config();
        c.markEstablished(seenIp, peerLimits, TimeUnit.SECONDS.toMillis(cfg.heartbeatIntervalS()));
        c.link().readIdleSeconds(c.readIdleSeconds(cfg.idleTimeoutS()));
        e.current = c;
        if (SecurityRules.strength(cfg.pinsOf(e.address), c.link().security()) == 2) {
            // From now on, under optional, plaintext claiming this peer is an impostor until its pins change.
            e.pinnedTlsSeen = true;
        }
        planner.replanLocked(e, false);
        String line = "Connected to " + e.address + " (" + c.direction() + (c.isReverse() ? ", reverse" : "") + ")"
                + (e.failedAttempts > 0 ? " after " + e.failedAttempts + " failed attempts" : "");
        e.failedAttempts = 0;
        e.unloggedFailures = 0;
        sender.startHeartbeatLocked(c);
        mesh.establishedLocked(c, !replaced);
        state.events.emit(PeerEvent.Kind.CONNECTED, e.address, c.direction(), "", line);
    }

    /**
     * Whether this node already holds its fill of unlisted peers, in total or from
     * {@code a}'s IP (an IPv6 source by its /64): one host could otherwise claim every
     * port on its IP, each claim an entry, a bean, a timer and a socket. A peer already
     * held (its own redial) does not count against itself.
     */
    private String unknownFullLocked(NodeAddress a, NodeConfig cfg) {
        if (state.entryLocked(a) != null) {
            return null;
        }
        int total = 0;
        int sameIp = 0;
        for (PeerEntry e : state.peersLocked().values()) {
            if (!e.configured) {
                total++;
                if (SourceGroup.same(e.address.ip(), a.ip())) {
                    sameIp++;
                }
            }
        }
        if (total >= cfg.maxUnknownPeers()) {
            return TOO_MANY_UNKNOWN + ": " + total + " unlisted peers held (max_unknown_peers)";
        }
        if (sameIp >= cfg.maxUnknownPeersPerIp()) {
            return TOO_MANY_UNKNOWN + ": " + sameIp + " unlisted peers held from " + SourceGroup.describe(a.ip())
                    + " (max_unknown_peers_per_ip)";
        }
        return null;
    }

    private boolean seenAsSelf(String ip) {
        try {
            return state.self().sameIp(NodeAddress.parseIp(ip, ip));
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
}
