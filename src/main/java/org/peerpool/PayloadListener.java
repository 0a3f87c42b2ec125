package org.peerpool;

import org.peerpool.wire.NodeAddress;

/**
 * Receives the PAYLOAD messages peers send. Called on the I/O thread of the
 * connection it arrived on, in the order the peer sent them; it must return quickly
 * (hand heavy work to an executor), because that connection reads nothing meanwhile.
 */
@FunctionalInterface
public interface PayloadListener {
    void onPayload(NodeAddress from, String topic, byte[] data);
}
