package org.peerpool.pool;

import org.peerpool.PeerEvent.Direction;
import org.peerpool.config.NodeConfig;
import org.peerpool.tls.KeyPin;
import org.peerpool.tls.SecurityRules;
import org.peerpool.tls.TlsMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Re-judges every connection when the TLS mode, a pin or the keystore changed
 * (PROTOCOL.md section 7): one the new settings would not allow is closed with GOODBYE
 * {@code security changed} and re-formed at once by its initiator; the rest stay up with
 * their ids. Every method needs the pool's lock.
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
        int pinned = next.pins().size();
        state.afterUnlockLocked(() -> log.info("{} - TLS settings changed (mode = {}, {} pinned peers{}); judging every"
                + " connection again", next.self(), mode.word(), pinned, localPin == null ? "" : ", key " + localPin));
        for (PeerEntry e : state.peersLocked().values().toArray(new PeerEntry[0])) {
            Connection c = e.current;
            if (c != null) {
                String why = SecurityRules.judge(mode, next.pinsOf(e.address), c.link().security(),
                        c.direction() == Direction.OUTBOUND, localPin);
                if (why != null) {
                    closer.closeLocked(c, GOODBYE, GOODBYE + ": " + why);
                    planner.redialNowLocked(e.address);
                }
            }
            if (e.attempt != null) {
                // A dial in flight was set up by the old settings.
                closer.abandonAttemptLocked(e, null, GOODBYE);
                planner.redialNowLocked(e.address);
            }
        }
    }
}
