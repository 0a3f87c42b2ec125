package org.peerpool;

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
}
