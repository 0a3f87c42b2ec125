package org.peerpool.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ObjLongConsumer;
import java.util.function.ToLongFunction;

/**
 * Every key of {@code etc/peerpool.ini} (DESIGN.md A2), written once: its section, its
 * name, its default, the range it may hold and when a change takes effect. The
 * loader's line scan, the validator, {@link NodeConfig}'s own checks and its builder's
 * defaults all read this table, so they cannot disagree.
 */
public enum ConfigKey {

    LOCAL_IP("network", "local_ip", Applies.LIVE),
    PORT("network", "port", Applies.LIVE, NodeConfig.DEFAULT_PORT, 1, 65535,
            NodeConfig::port, (b, v) -> b.port((int) v)),
    PEER("network", "peer", Applies.LIVE),

    HANDSHAKE_TIMEOUT_MS("connection", "handshake_timeout_ms", Applies.NEW_CONNECTIONS, 5000, 1, Integer.MAX_VALUE,
            NodeConfig::handshakeTimeoutMs, (b, v) -> b.handshakeTimeoutMs((int) v)),
    KEEPALIVE_IDLE_S("connection", "keepalive_idle_s", Applies.NEW_CONNECTIONS, 30, 1, Integer.MAX_VALUE,
            NodeConfig::keepaliveIdleS, (b, v) -> b.keepaliveIdleS((int) v)),
    KEEPALIVE_INTERVAL_S("connection", "keepalive_interval_s", Applies.NEW_CONNECTIONS, 10, 1, Integer.MAX_VALUE,
            NodeConfig::keepaliveIntervalS, (b, v) -> b.keepaliveIntervalS((int) v)),
    KEEPALIVE_COUNT("connection", "keepalive_count", Applies.NEW_CONNECTIONS, 3, 1, Integer.MAX_VALUE,
            NodeConfig::keepaliveCount, (b, v) -> b.keepaliveCount((int) v)),
    RECONNECT_MIN_MS("connection", "reconnect_min_ms", Applies.NEXT_DELAY, 1000, 1, Integer.MAX_VALUE,
            NodeConfig::reconnectMinMs, (b, v) -> b.reconnectMinMs((int) v)),
    RECONNECT_MAX_MS("connection", "reconnect_max_ms", Applies.NEXT_DELAY, 60000, 1, Integer.MAX_VALUE,
            NodeConfig::reconnectMaxMs, (b, v) -> b.reconnectMaxMs((int) v)),
    HEARTBEAT_INTERVAL_S("connection", "heartbeat_interval_s", Applies.NEW_CONNECTIONS, 20, 1, Integer.MAX_VALUE,
            NodeConfig::heartbeatIntervalS, (b, v) -> b.heartbeatIntervalS((int) v)),
    IDLE_TIMEOUT_S("connection", "idle_timeout_s", Applies.NEW_CONNECTIONS, 60, 1, Integer.MAX_VALUE,
            NodeConfig::idleTimeoutS, (b, v) -> b.idleTimeoutS((int) v)),
    /** 0 turns reverse dialing off. */
    REVERSE_DIAL_AFTER_S("connection", "reverse_dial_after_s", Applies.NEW_CONNECTIONS, 120, 0, Integer.MAX_VALUE,
            NodeConfig::reverseDialAfterS, (b, v) -> b.reverseDialAfterS((int) v)),
    /** At least 4096: every handshake frame must fit (PROTOCOL.md section 2). */
    MAX_FRAME_BYTES("connection", "max_frame_bytes", Applies.NEW_CONNECTIONS, 4194304, 4096, Integer.MAX_VALUE,
            NodeConfig::maxFrameBytes, (b, v) -> b.maxFrameBytes((int) v)),
    MAX_PENDING_BYTES("connection", "max_pending_bytes", Applies.NEW_CONNECTIONS, 16777216, 1, Long.MAX_VALUE,
            NodeConfig::maxPendingBytes, (b, v) -> b.maxPendingBytes(v)),

    ACCEPT_UNKNOWN_PEERS("security", "accept_unknown_peers", Applies.NEXT_HANDSHAKE),
    MAX_HANDSHAKING("security", "max_handshaking", Applies.NEXT_HANDSHAKE, 256, 1, Integer.MAX_VALUE,
            NodeConfig::maxHandshaking, (b, v) -> b.maxHandshaking((int) v)),
    MAX_HANDSHAKING_PER_IP("security", "max_handshaking_per_ip", Applies.NEXT_HANDSHAKE, 8, 1, Integer.MAX_VALUE,
            NodeConfig::maxHandshakingPerIp, (b, v) -> b.maxHandshakingPerIp((int) v)),
    MAX_UNKNOWN_PEERS("security", "max_unknown_peers", Applies.NEXT_HANDSHAKE, 64, 1, Integer.MAX_VALUE,
            NodeConfig::maxUnknownPeers, (b, v) -> b.maxUnknownPeers((int) v)),
    /** An IPv6 source counts by its /64: one host holds a whole /64. */
    MAX_UNKNOWN_PEERS_PER_IP("security", "max_unknown_peers_per_ip", Applies.NEXT_HANDSHAKE, 4, 1, Integer.MAX_VALUE,
            NodeConfig::maxUnknownPeersPerIp, (b, v) -> b.maxUnknownPeersPerIp((int) v)),

    /** All peers' partly received large frames together; reads pause past it, and a sender sees TCP slow down. */
    MAX_INBOUND_BUFFER_BYTES("security", "max_inbound_buffer_bytes", Applies.NEXT_FRAME, 67108864, 1048576,
            Long.MAX_VALUE, NodeConfig::maxInboundBufferBytes, (b, v) -> b.maxInboundBufferBytes(v)),

    /** A file of peer lines another program writes; watched (relative to the INI file's directory). */
    PEERS_FILE("peers", "file", Applies.LIVE),
    /** A DNS name whose A and AAAA records are peers; repeatable. */
    DNS("peers", "dns", Applies.LIVE),
    DNS_REFRESH_S("peers", "dns_refresh_s", Applies.LIVE, 60, 1, 86400,
            c -> c.sources().dnsRefreshS(), (b, v) -> b.dnsRefreshS((int) v)),
    /** A fraction, not a whole number: the validator reads it. */
    MAX_DROP_FRACTION("peers", "max_drop_fraction", Applies.LIVE),

    TLS_MODE("tls", "mode", Applies.REJUDGE),
    KEYSTORE("tls", "keystore", Applies.REJUDGE),
    KEYSTORE_PASSWORD("tls", "keystore_password", Applies.REJUDGE);

    /** When a saved change of a key takes effect on a running node. */
    public enum Applies {
        /** At once, as a diff: the listener moves, peers are dialed or closed. */
        LIVE,
        /** For connections made after the change; open ones keep what they started with. */
        NEW_CONNECTIONS,
        /** For the next handshake this node answers. */
        NEXT_HANDSHAKE,
        /** For the next reconnect delay this node waits out. */
        NEXT_DELAY,
        /** For the next large frame that asks for room. */
        NEXT_FRAME,
        /**
         * At once: every connection is judged again and one the new settings would not
         * allow is closed and re-established (PROTOCOL.md section 7); so are the pins on
         * peer lines, and the keystore file's content.
         */
        REJUDGE
    }

    private final String section;
    private final String key;
    private final Applies applies;
    private final long defaultValue;
    private final long min;
    private final long max;
    private final ToLongFunction<NodeConfig> read;
    private final ObjLongConsumer<NodeConfig.Builder> write;

    /** A key that is not a whole number (an IP, a peer line, a boolean, a word, a path). */
    ConfigKey(String section, String key, Applies applies) {
        this(section, key, applies, 0, 0, 0, null, null);
    }

    ConfigKey(String section, String key, Applies applies, long defaultValue, long min, long max,
              ToLongFunction<NodeConfig> read, ObjLongConsumer<NodeConfig.Builder> write) {
        this.section = section;
        this.key = key;
        this.applies = applies;
        this.defaultValue = defaultValue;
        this.min = min;
        this.max = max;
        this.read = read;
        this.write = write;
    }

    public String section() {
        return section;
    }

    /** The name as written in the file. */
    public String key() {
        return key;
    }

    public Applies applies() {
        return applies;
    }

    /** True for a key holding a whole number with a default and a range. */
    public boolean isNumber() {
        return read != null;
    }

    public long defaultValue() {
        return defaultValue;
    }

    public long min() {
        return min;
    }

    public long max() {
        return max;
    }

    long valueIn(NodeConfig c) {
        return read.applyAsLong(c);
    }

    void set(NodeConfig.Builder b, long value) {
        write.accept(b, value);
    }

    /** What a value must be, for messages: "a whole number from 1 to 65535" or "a whole number >= 1". */
    String expected() {
        // Only a real bound (a port's) is worth naming up front; the type's limit matters on overflow.
        return max < Integer.MAX_VALUE ? range() : "a whole number >= " + min;
    }

    String range() {
        return "a whole number from " + min + " to " + max;
    }

    /** Every section and its keys, in the order the sample file lists them. */
    static Map<String, List<String>> bySection() {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (ConfigKey k : values()) {
            out.computeIfAbsent(k.section, s -> new ArrayList<>()).add(k.key);
        }
        out.replaceAll((s, keys) -> List.copyOf(keys));
        return out;
    }
}
