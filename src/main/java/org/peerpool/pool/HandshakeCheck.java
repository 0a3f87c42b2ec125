package org.peerpool.pool;

import java.net.InetAddress;
import java.util.function.Function;
import java.util.function.Predicate;

import org.peerpool.wire.Message;
import org.peerpool.wire.NodeAddress;

/**
 * The responder's checks on a HANDSHAKE, in the order of PROTOCOL.md section 4; the
 * first that fails gives the rejection reason. Pure: everything it needs is passed in.
 */
final class HandshakeCheck {

    static final long PROTOCOL_VERSION = 1;

    private HandshakeCheck() {
    }

    /** The outcome: the initiator's parsed address, or the reason to reject. */
    record Result(NodeAddress peer, String rejection) {
        boolean accepted() {
            return rejection == null;
        }
    }

    /**
     * @param known          whether an address is in this node's peer list
     * @param unknownFull    for an unlisted address: null, or the rejection starting with
     *                       {@code too many unknown peers} when this node holds its fill
     * @param keyCheck       the connection's key judged against an address's pins: null,
     *                       or a rejection starting with {@code key mismatch}
     * @param downgradeCheck the connection judged against what this node holds and has
     *                       seen from an address: null, or a rejection starting with
     *                       {@code downgrade refused}
     * @param hasConnection  whether this node already holds a connection with an address
     */
    static Result check(Message.Handshake h, InetAddress sourceIp, NodeAddress self, boolean acceptUnknown,
                        Predicate<NodeAddress> known, Function<NodeAddress, String> unknownFull,
                        Function<NodeAddress, String> keyCheck,
                        Function<NodeAddress, String> downgradeCheck, Predicate<NodeAddress> hasConnection) {
        if (h.protocolVersion() != PROTOCOL_VERSION) {
            return reject("unsupported protocol version " + h.protocolVersion() + " (supported: " + PROTOCOL_VERSION + ")");
        }
        NodeAddress peer;
        try {
            peer = NodeAddress.parse(h.myAddress());
        } catch (IllegalArgumentException e) {
            return reject("bad address: " + e.getMessage());
        }
        if (!peer.sameIp(sourceIp)) {
            return reject("address mismatch: " + peer + " does not match source IP " + NodeAddress.ipText(sourceIp));
        }
        if (peer.equals(self)) {
            return reject("self connection: " + peer + " is this node");
        }
        boolean reverse = peer.compareTo(self) > 0;
        // A reverse dial is only legitimate from a peer this node lists and would itself dial.
        if (!known.test(peer) && (!acceptUnknown || reverse)) {
            return reject("unknown peer: " + peer + " is not in the peer list of " + self);
        }
        String full = known.test(peer) ? null : unknownFull.apply(peer);
        if (full != null) {
            return reject(full);
        }
        String keyRejection = keyCheck.apply(peer);
        if (keyRejection != null) {
            return reject(keyRejection);
        }
        String downgrade = downgradeCheck.apply(peer);
        if (downgrade != null) {
            return reject(downgrade);
        }
        if (reverse && hasConnection.test(peer)) {
            return reject("wrong direction: " + self + " is the initiator for " + peer + " and is connected");
        }
        return new Result(peer, null);
    }

    private static Result reject(String reason) {
        return new Result(null, reason);
    }
}
