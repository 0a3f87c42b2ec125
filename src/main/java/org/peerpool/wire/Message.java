package org.peerpool.wire;

import java.util.Arrays;

/**
 * One protocol message (PROTOCOL.md section 3): a sealed family with one record per
 * frame type. Records are immutable values; {@link Unknown} stands for a type this
 * version does not know, which after the handshake is ignored and counted.
 */
public sealed interface Message {

    /** The frame type byte. */
    int type();

    int TYPE_HANDSHAKE = 0x01;
    int TYPE_HANDSHAKE_ACK = 0x02;
    int TYPE_GOODBYE = 0x03;
    int TYPE_ANNOUNCE = 0x10;
    int TYPE_PAYLOAD = 0x11;

    /** The initiator's first frame. {@code protocolVersion} is a u32. */
    record Handshake(long protocolVersion, String myAddress) implements Message {
        public int type() {
            return TYPE_HANDSHAKE;
        }
    }

    /** The responder's first frame; {@code reason} is empty when accepted. */
    record HandshakeAck(boolean accepted, String yourIp, String myAddress, String reason) implements Message {
        public int type() {
            return TYPE_HANDSHAKE_ACK;
        }
    }

    /** Sent just before an orderly close. */
    record Goodbye(String reason) implements Message {
        public int type() {
            return TYPE_GOODBYE;
        }
    }

    /** The one-way masternode heartbeat; {@code sequence} and {@code timestampMs} are u64. */
    record Announce(String address, long sequence, long timestampMs) implements Message {
        public int type() {
            return TYPE_ANNOUNCE;
        }
    }

    /** Application data under a topic. */
    record Payload(String topic, byte[] data) implements Message {
        public int type() {
            return TYPE_PAYLOAD;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Payload p && topic.equals(p.topic) && Arrays.equals(data, p.data);
        }

        @Override
        public int hashCode() {
            return 31 * topic.hashCode() + Arrays.hashCode(data);
        }

        @Override
        public String toString() {
            return "Payload[topic=" + topic + ", " + data.length + " bytes]";
        }
    }

    /** A frame of a type this version does not know; its body is not kept. */
    record Unknown(int type, int length) implements Message {
    }
}
