package org.peerpool.pool;

import java.util.Objects;

import org.peerpool.PeerEvent.Direction;
import org.peerpool.config.NodeConfig;
import org.peerpool.tls.KeyPin;
import org.peerpool.tls.TlsMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Re-judges every connection when the TLS mode, a pin or the keystore changed
 * (PROTOCOL.md section 7): one the new settings would not allow is closed with GOODBYE
 * {@code security changed} and re-formed by its initiator once its socket is closed; the
 * rest stay up with their ids. Dials in flight and accepted connections still in
 * handshake are judged too, as their TLS was set up by the old settings. Every method
 * needs the pool's lock.
 */
final class SecurityJudge {

    static final String GOODBYE = "security changed";

    private static final Logger log = LoggerFactory.getLogger(ConnectionPool.class);

    private final PoolState state;
    private final Closer closer;
    private final DialPlanner planner;

    SecurityJudge(PoolState state, Closer closer, DialPlanner planner) {
        this.state = state;
        this.closer = closer;
        this.planner = planner;
    }

    void rejudgeLocked(NodeConfig previous, NodeConfig next) {
        state.assertLocked();
        if (previous.tls().equals(next.tls()) && previous.pins().equals(next.pins())) {
            return;
        }
        TlsMode mode = next.tls().mode();
        KeyPin localPin = next.tls().localKey() == null ? null : next.tls().localKey().pin();
        boolean keyChanged = !Objects.equals(localPin,
                previous.tls().localKey() == null ? null : previous.tls().localKey().pin());
        int pinned = next.pins().size();
        state.afterUnlockLocked(() -> log.info("{} - TLS settings changed (mode = {}, {} pinned peers{}); judging every"
                + " connection again", next.self(), mode.word(), pinned, localPin == null ? "" : ", key " + localPin));
        for (PeerEntry e : state.peersLocked().values().toArray(new PeerEntry[0])) {
            if (!previous.pinsOf(e.address).equals(next.pinsOf(e.address))) {
                // New pins: whether the peer has proven one of them starts over.
                e.pinnedTlsSeen = false;
            }
            boolean dropped = false;
            Connection c = e.current;
            if (c != null) {
                String why = SecurityRules.judge(mode, next.pinsOf(e.address), c.link().security(),
                        c.direction() == Direction.OUTBOUND, localPin);
                if (why != null) {
                    closer.closeLocked(c, GOODBYE, GOODBYE + ": " + why);
                    dropped = true;
                }
            }
            if (e.attempt != null && (keyChanged || mode != previous.tls().mode()
                    || !previous.pinsOf(e.address).equals(next.pinsOf(e.address)))) {
                // A dial in flight was set up, TLS or not and with which key, by the old settings.
                closer.abandonAttemptLocked(e, null, GOODBYE);
                dropped = true;
            }
            if (dropped) {
                planner.resettleLocked(e);
            }
        }
        // Accepted connections still in handshake: their TLS, if any, was answered by the old settings.
        for (Connection c : state.unidentifiedLocked().all()) {
            String why = inHandshakeLocked(c.link(), mode, keyChanged);
            if (why != null) {
                closer.closeLocked(c, null, GOODBYE + ": " + why);
            }
        }
    }

    /** Why a connection still in handshake may not go on under the new settings, or null. */
    private static String inHandshakeLocked(Link link, TlsMode mode, boolean keyChanged) {
        boolean tls = link.tlsPending() || link.security().isTls();
        if (!tls) {
            // Plaintext meets the new mode's checks when its HANDSHAKE arrives.
            return null;
        }
        if (mode == TlsMode.OFF) {
            return "TLS is off";
        }
        return keyChanged ? "this node's key changed" : null;
    }
}
