package org.peerpool.pool;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ScheduledFuture;

import org.peerpool.MeshMatrix;
import org.peerpool.config.NodeConfig;
import org.peerpool.tls.KeyPin;
import org.peerpool.tls.TlsMode;
import org.peerpool.wire.NodeAddress;

/**
 * The invariants of a simulated run, checked after every event and at its milestones:
 * one connection per pair (closing ones included: a node never dials beside a socket it
 * still has with that peer); every peer not connected has exactly one reason to change
 * that; no connection outlives the settings that would refuse it, handshakes included;
 * no PAYLOAD after its connection's close began (checked where it is delivered); no
 * clock entry for a removed peer; once the faults stop, every pair the configs allow is
 * connected with the security they call for; stop ends every socket in time; every send
 * settles.
 */
final class SimChecks {

    private final SimRun run;
    /** Every address a node of the run can have, for the clock check. */
    private final List<NodeAddress> addresses = new java.util.ArrayList<>();

    /** The pools' sections begun, summed, when pairs were last checked. */
    private long sectionsAtPairCheck = -1;

    SimChecks(SimRun run) {
        this.run = run;
        for (SimPlan p : run.plans) {
            addresses.add(NodeAddress.of(p.ip(), 7100));
            addresses.add(NodeAddress.of(p.ip(), 7101));
        }
    }

    void afterStep() {
        run.rethrowViolation();
        // A socket counts as up only once a pool marks its connection established, under its lock.
        long sections = 0;
        for (SimNode n : run.nodes) {
            sections += n.pool == null ? 0 : n.pool.state().sectionsBegun() - n.checkSections;
        }
        if (sections != sectionsAtPairCheck || (run.world.steps() & 63) == 0) {
            onePerPair();
            sectionsAtPairCheck = sections;
        }
        for (SimNode n : run.nodes) {
            if (n.running && !n.stopping) {
                // Peer state changes only under the lock: a pool nobody locked since its last
                // check is unchanged; a full pass every 64 steps catches a change made outside it.
                PoolState state = n.pool.state();
                if (state.sectionsBegun() != n.checkedAtSection || (run.world.steps() & 63) == 0) {
                    state.locked(() -> checkNodeLocked(n));
                    // The check's own section changes nothing: neither this check nor the pair check counts it.
                    n.checkSections++;
                    n.checkedAtSection = state.sectionsBegun();
                }
            }
        }
    }

    /**
     * A second connection for a pair can only appear when a socket becomes established, so
     * each step compares only the sockets that just did against the others.
     */
    private void onePerPair() {
        List<SimSocket> live = run.net.live();
        for (SimSocket s : live) {
            boolean up = s.establishedAndAlive();
            if (up && !s.counted) {
                for (SimSocket other : live) {
                    if (other != s && other.samePair(s) && other.counted && other.establishedAndAlive()) {
                        throw run.violation("two live connections for pair " + s.low + " - " + s.high + ": "
                                + other + " (" + other.dialerEnd.connection + " / " + other.acceptorEnd.connection
                                + ") and " + s + " (" + s.dialerEnd.connection + " / "
                                + s.acceptorEnd.connection + ")");
                    }
                }
            }
            s.counted = up;
        }
    }

    private static boolean armed(ScheduledFuture<?> f) {
        return f != null && !f.isDone();
    }

    private void checkNodeLocked(SimNode n) {
        PoolState state = n.pool.state();
        NodeConfig cfg = state.config();
        KeyPin localPin = cfg.tls().localKey() == null ? null : cfg.tls().localKey().pin();
        for (PeerEntry e : state.peersLocked().values()) {
            int reasons = (e.attempt != null ? 1 : 0) + (armed(e.retry) ? 1 : 0) + (armed(e.reverseTimer) ? 1 : 0);
            boolean initiator = state.initiator(e.address);
            int expected;
            if (!e.configured) {
                expected = 0;
            } else if (initiator) {
                expected = e.current == null || e.current.isReverse() ? 1 : 0;
            } else {
                // A reverse dial already in flight when reverse dialing was switched off runs to its end.
                expected = e.current == null && (cfg.reverseDialAfterS() > 0 || e.attempt != null) ? 1 : 0;
            }
            if (reasons != expected) {
                throw run.violation(n + ": peer " + e.address + " (" + (initiator ? "initiator" : "responder")
                        + ", current " + e.current + ", attempt " + e.attempt + ", retry " + armed(e.retry)
                        + ", reverse timer " + armed(e.reverseTimer) + ") has " + reasons
                        + " reasons to change, expected " + expected);
            }
            Set<KeyPin> pins = cfg.pinsOf(e.address);
            Connection c = e.current;
            if (c != null) {
                if (c.isClosing() || !c.isEstablished()) {
                    throw run.violation(n + ": current connection of " + e.address + " is "
                            + (c.isClosing() ? "closing: " + c.closeReason() : "not established"));
                }
                String why = SecurityRules.judge(cfg.tls().mode(), pins, c.link().security(),
                        c.direction() == org.peerpool.PeerEvent.Direction.OUTBOUND, localPin);
                if (why != null) {
                    throw run.violation(n + ": connection " + c + " (since " + c.connectedSince() + ", "
                            + c.link().security() + ") survives settings that refuse it: " + why + "; pins "
                            + pins + ", mode " + cfg.tls().mode());
                }
                if (!e.configured && !cfg.acceptUnknownPeers()) {
                    throw run.violation(n + ": connection " + c + " with unlisted peer survives");
                }
            }
            Connection a = e.attempt;
            if (a != null && a.link() != null && !a.isClosing()) {
                boolean tls = a.link().tlsPending() || a.link().security().isTls();
                if (tls != SecurityRules.dialsTls(cfg.tls().mode(), pins)) {
                    throw run.violation(n + ": dial " + a + " to " + e.address + " is " + (tls ? "TLS" : "plaintext")
                            + " against the settings in force");
                }
                LinkSecurity s = a.link().security();
                if (s.isTls() && !s.localPin().equals(localPin)) {
                    throw run.violation(n + ": dial " + a + " still uses the old key");
                }
            }
        }
        for (Connection c : state.unidentifiedLocked().all()) {
            LinkSecurity s = c.link().security();
            boolean tls = c.link().tlsPending() || s.isTls();
            if (!c.isClosing() && tls && cfg.tls().mode() == TlsMode.OFF) {
                throw run.violation(n + ": accepted TLS connection " + c + " goes on in handshake with TLS off");
            }
            if (!c.isClosing() && s.isTls() && !s.localPin().equals(localPin)) {
                throw run.violation(n + ": accepted connection " + c + " in handshake still uses the old key");
            }
        }
        // Sampled: a stale clock entry stays until something removes it, so it is found a few events later.
        if (n.eventThread.idle() && (run.world.steps() & 127) == 0) {
            for (NodeAddress a : addresses) {
                if (n.pool.clocks().measured(a) && state.entryLocked(a) == null) {
                    throw run.violation(n + ": clock offsets kept for " + a + ", which has no entry");
                }
            }
        }
    }

    /** {@code n} starts a dial of {@code peer}. */
    void dialing(SimNode n, NodeAddress peer) {
        for (SimSocket s : run.net.live()) {
            // The pair a socket joins is fixed by the addresses it was opened with.
            NodeAddress otherEnd = s.dialer == n ? s.to : s.acceptor == n ? s.from : null;
            if (otherEnd == null || !otherEnd.equals(peer)) {
                continue;
            }
            SimLink mine = s.endOf(n);
            if (!mine.isOpen()) {
                continue;
            }
            Connection c = mine.connection;
            if (c != null && c.peer() == null) {
                // Accepted and not yet identified: nothing tells the pool it is this peer's
                // (it may be a stranger on the peer's IP); the handshake rules sort out a
                // crossing dial, and two established connections are caught by onePerPair.
                continue;
            }
            boolean ending = mine.closeRequested() || c == null || c.isClosing();
            if (ending) {
                throw run.violation(n + " dials " + peer + " while " + s + ", which it is closing, is still open ("
                        + (c == null ? "not reported" : c + ": " + c.closeReason()) + ")");
            }
            if (!(c.isEstablished() && c.isReverse() && n.pool.state().initiator(peer))) {
                throw run.violation(n + " dials " + peer + " while it holds " + c + " on " + s);
            }
        }
        for (Connection pending : n.connecting) {
            if (peer.equals(pending.peer())) {
                throw run.violation(n + " dials " + peer + " while its dial " + pending + " is still connecting");
            }
        }
    }

    // ---------------------------------------------------------------- milestones

    /** How long after the faults stop every allowed pair must be connected, from the slowest node's timers. */
    long settleBoundNanos() {
        double worst = 0;
        for (SimPlan p : run.plans) {
            double backoffS = p.reconnectMaxMs * 1.2 / 1000;
            double s = 3 * 30 // idle: three of the slowest heartbeat a peer may announce
                    + ConnectionPool.CLOSE_MAX_MS / 1000.0 // a socket still closing gracefully
                    + 2 * (backoffS + 2 * p.handshakeTimeoutMs / 1000.0) // a canonical retry, and a reverse one
                    + p.reverseDialAfterS + 5;
            worst = Math.max(worst, s);
        }
        return SimWorld.seconds(worst);
    }

    /** Every pair that the configs allow is connected, canonically wherever the network allows. */
    void converged(long settleNanos) {
        String problem = unconverged();
        if (problem != null) {
            throw run.violation(problem + ", " + (settleNanos / 1_000_000) + " ms after the faults stopped");
        }
    }

    /** What keeps the mesh from being settled as {@link #converged} requires, or null when it is. */
    String unconverged() {
        for (int i = 0; i < run.nodes.size(); i++) {
            for (int j = i + 1; j < run.nodes.size(); j++) {
                SimNode a = run.nodes.get(i);
                SimNode b = run.nodes.get(j);
                SimNode lo = a.address().compareTo(b.address()) < 0 ? a : b;
                SimNode hi = lo == a ? b : a;
                Boolean tls = allowed(lo, hi);
                if (tls == null) {
                    continue;
                }
                Connection c = lo.pool.state().locked(() -> {
                    PeerEntry e = lo.pool.state().entryLocked(hi.address());
                    return e == null ? null : e.current;
                });
                boolean hiUp = hi.pool.isConnected(lo.address());
                if (c == null || !hiUp) {
                    return "pair " + lo + " - " + hi + " is allowed (" + (tls ? "TLS" : "plaintext")
                            + ") but not connected: " + lo.pool.snapshot(hi.address()) + " / "
                            + hi.pool.snapshot(lo.address());
                }
                if (c.isReverse() && !canonicalWouldDowngrade(lo, hi, tls)) {
                    return "pair " + lo + " - " + hi + " rests on a reverse connection";
                }
                if (tls && !c.link().security().isTls()) {
                    // TLS where plaintext would do is fine (a link that stayed when pins went); the reverse is not.
                    return "pair " + lo + " - " + hi + " is plaintext, the configs call for TLS";
                }
            }
        }
        return null;
    }

    /**
     * Once the mesh is settled and every view current, each running node's mesh view is
     * the truth: every pair it lists both ends of is connected exactly when the two pools
     * hold each other, and unknown only where it holds neither end; and its mesh
     * listeners have heard the same missing pairs.
     */
    void meshKnown() {
        for (SimNode x : run.nodes) {
            if (!x.running) {
                continue;
            }
            MeshMatrix m = x.pool.mesh();
            for (MeshMatrix.Pair p : m.pairs()) {
                SimNode a = node(p.a());
                SimNode b = node(p.b());
                if (p.state() == MeshMatrix.PairState.UNLISTED) {
                    continue;
                }
                boolean up = a != null && b != null && a.running && b.running && a.pool.isConnected(b.address())
                        && b.pool.isConnected(a.address());
                boolean seen = p.a().equals(x.address()) || p.b().equals(x.address())
                        || x.pool.isConnected(p.a()) || x.pool.isConnected(p.b());
                MeshMatrix.PairState want = !seen ? MeshMatrix.PairState.UNKNOWN
                        : up ? MeshMatrix.PairState.CONNECTED : MeshMatrix.PairState.MISSING;
                if (p.state() != want) {
                    throw run.violation(x + " shows pair " + p + " as " + p.state() + ", the pools say " + want);
                }
            }
            List<String> missing = m.missing().stream().map(Object::toString).toList();
            if (!missing.equals(x.meshHeard)) {
                throw run.violation(x + "'s mesh listeners last heard " + x.meshHeard + ", its view is " + missing);
            }
        }
    }

    private SimNode node(NodeAddress a) {
        for (SimNode n : run.nodes) {
            if (n.address().equals(a)) {
                return n;
            }
        }
        return null;
    }

    /**
     * Whether the higher node refuses the lower one's canonical dial as {@code downgrade
     * refused} because the reverse connection it holds is more strongly authenticated
     * (it pins the lower node, which does not pin it back): then the pair rightly rests on
     * the reverse one (PROTOCOL.md section 4).
     */
    private static boolean canonicalWouldDowngrade(SimNode lo, SimNode hi, boolean tls) {
        Set<KeyPin> pins = hi.config.pinsOf(lo.address());
        LinkSecurity canonical = tls ? new LinkSecurity("TLSv1.3", "x", lo.config.tls().localKey().pin(),
                hi.config.tls().localKey().pin()) : LinkSecurity.PLAINTEXT;
        Connection held = hi.pool.state().locked(() -> {
            PeerEntry e = hi.pool.state().entryLocked(lo.address());
            return e == null ? null : e.current;
        });
        return held != null && SecurityRules.strength(pins, held.link().security())
                > SecurityRules.strength(pins, canonical);
    }

    /**
     * Whether the lower node's canonical dial of the higher one succeeds under both
     * configs: null if not, otherwise whether it uses TLS.
     */
    private static Boolean allowed(SimNode lo, SimNode hi) {
        NodeConfig l = lo.config;
        NodeConfig h = hi.config;
        if (!l.peers().contains(hi.address()) || !h.peers().contains(lo.address())) {
            return null;
        }
        boolean tls = SecurityRules.dialsTls(l.tls().mode(), l.pinsOf(hi.address()));
        LinkSecurity seenByLo = LinkSecurity.PLAINTEXT;
        LinkSecurity seenByHi = LinkSecurity.PLAINTEXT;
        if (tls) {
            if (h.tls().mode() == TlsMode.OFF) {
                return null;
            }
            KeyPin hiKey = h.tls().localKey().pin();
            KeyPin loKey = l.tls().localKey().pin();
            Set<KeyPin> pins = l.pinsOf(hi.address());
            if (!pins.isEmpty() && !pins.contains(hiKey)) {
                return null;
            }
            seenByLo = new LinkSecurity("TLSv1.3", "x", hiKey, loKey);
            seenByHi = new LinkSecurity("TLSv1.3", "x", loKey, hiKey);
        }
        if (SecurityRules.responderCheck(h.tls().mode(), h.pinsOf(lo.address()), seenByHi) != null) {
            return null;
        }
        // Under optional, a pinned peer once seen over TLS with its key is refused in plaintext.
        PeerEntry atHi = hi.pool.state().locked(() -> hi.pool.state().entryLocked(lo.address()));
        if (atHi != null && SecurityRules.downgradeCheck(h.tls().mode(), h.pinsOf(lo.address()), null, seenByHi,
                atHi.pinnedTlsSeen) != null) {
            return null;
        }
        KeyPin loPin = l.tls().localKey() == null ? null : l.tls().localKey().pin();
        KeyPin hiPin = h.tls().localKey() == null ? null : h.tls().localKey().pin();
        if (SecurityRules.judge(l.tls().mode(), l.pinsOf(hi.address()), seenByLo, true, loPin) != null
                || SecurityRules.judge(h.tls().mode(), h.pinsOf(lo.address()), seenByHi, false, hiPin) != null) {
            return null;
        }
        return tls;
    }

    /** Every link a stop returned is closed within the graceful close's bound. */
    void stopped(List<List<Link>> closing) {
        for (int i = 0; i < closing.size(); i++) {
            for (Link l : closing.get(i)) {
                if (l.isOpen()) {
                    throw run.violation(run.nodes.get(i) + " still has " + l + " open "
                            + ConnectionPool.CLOSE_MAX_MS + " ms after stop");
                }
            }
        }
    }

    void sendsSettled() {
        int open = 0;
        for (var f : run.sends) {
            if (!f.isDone()) {
                open++;
            }
        }
        if (open > 0) {
            throw run.violation(open + " of " + run.sends.size() + " send futures never settled");
        }
    }
}
