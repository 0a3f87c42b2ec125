package org.peerpool.wire;

import java.util.Arrays;
import java.util.List;

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
    int TYPE_VIEW = 0x12;

    /**
     * The {@code limits} group of HANDSHAKE and HANDSHAKE_ACK: the largest frame body the
     * sender accepts and how often it sends ANNOUNCE. A peer built before the group omits
     * it; {@link #ASSUMED_MAX_FRAME_BYTES} then stands for its frame limit.
     */
    record Limits(long maxFrameBytes, long heartbeatMs) {
        /** The lowest {@code max_frame_bytes} a peer may announce: every handshake frame must fit. */
        public static final long MIN_FRAME_BYTES = 4096;
        /** The lowest {@code heartbeat_ms} a peer may announce. */
        public static final long MIN_HEARTBEAT_MS = 100;
        /**
         * The highest {@code heartbeat_ms} a receiver honours: above it counts as this much, so
         * a peer cannot switch off its own idle timeout (PROTOCOL.md section 3).
         */
        public static final long MAX_HEARTBEAT_MS = 600_000;
        /** The frame limit assumed for a peer that sent no limits. */
        public static final long ASSUMED_MAX_FRAME_BYTES = 4194304;
    }

    /** The initiator's first frame. {@code protocolVersion} is a u32; {@code limits} is null when absent. */
    record Handshake(long protocolVersion, String myAddress, Limits limits) implements Message {
        /** A HANDSHAKE without the limits group, as a peer built before it sends. */
        public Handshake(long protocolVersion, String myAddress) {
            this(protocolVersion, myAddress, null);
        }

        public int type() {
            return TYPE_HANDSHAKE;
        }
    }

    /** The responder's first frame; {@code reason} is empty when accepted, {@code limits} null when absent. */
    record HandshakeAck(boolean accepted, String yourIp, String myAddress, String reason, Limits limits)
            implements Message {
        /** An ACK without the limits group, as a peer built before it sends. */
        public HandshakeAck(boolean accepted, String yourIp, String myAddress, String reason) {
            this(accepted, yourIp, myAddress, reason, null);
        }

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

    /**
     * The sender's mesh view: the peers it holds a connection with now, in address order
     * ({@code epoch} a u64 that rises by one per change at the sender). Addresses are kept
     * as sent; the receiver parses them and skips what does not parse.
     */
    record View(long epoch, List<String> addresses) implements Message {
        /** The most addresses one VIEW may carry (PROTOCOL.md section 3). */
        public static final int MAX_ADDRESSES = 65535;

        public View {
            addresses = List.copyOf(addresses);
        }

        public int type() {
            return TYPE_VIEW;
        }
    }

    /** A frame of a type this version does not know; its body is not kept. */
    record Unknown(int type, int length) implements Message {
    }
}
