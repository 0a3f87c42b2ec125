package org.peerpool.pool;

import java.time.Instant;

import org.peerpool.PeerEvent.Direction;
import org.peerpool.wire.NodeAddress;

/**
 * A consistent, immutable view of one peer taken under the pool's lock, for JMX,
 * tests and logs. Connection fields are null or zero when the peer is not connected.
 */
public record PeerSnapshot(
        NodeAddress address,
        boolean configured,
        PeerState state,
        Direction direction,
        boolean reverse,
        long connectionId,
        Instant connectedSince,
        long lastMessageAgeMillis,
        long messagesIn,
        long messagesOut,
        long bytesIn,
        long bytesOut,
        long queuedBytes,
        String localSocket,
        String remoteSocket,
        String observedIp,
        long lastAnnounceSequence,
        int failedAttempts,
        String lastError,
        long handshakeRttMicros,
        String security,
        String peerKeyPin) {

    static PeerSnapshot of(PeerEntry e) {
        Connection c = e.current;
        if (c == null) {
            return new PeerSnapshot(e.address, e.configured, e.state(), null, false, 0, null, -1, 0, 0, 0, 0, 0,
                    "", "", "", -1, e.failedAttempts, e.lastError, -1, "", "");
        }
        Link l = c.link();
        var security = l.security();
        var announce = c.lastAnnounce();
        return new PeerSnapshot(e.address, e.configured, PeerState.CONNECTED, c.direction(), c.isReverse(), c.id(),
                c.connectedSince(), c.lastMessageAgeMillis(), c.messagesIn(), c.messagesOut(), l.bytesIn(),
                l.bytesOut(), l.queuedBytes(), String.valueOf(l.localAddress()), String.valueOf(l.remoteAddress()),
                c.observedIp() == null ? "" : c.observedIp(), announce == null ? -1 : announce.sequence(),
                e.failedAttempts, e.lastError, c.handshakeRttMicros(), security.describe(), security.peerPinText());
    }
}
