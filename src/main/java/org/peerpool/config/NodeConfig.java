package org.peerpool.config;

import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

import org.peerpool.tls.KeyPin;
import org.peerpool.tls.TlsMode;
import org.peerpool.wire.NodeAddress;

/**
 * One validated snapshot of a node's configuration ({@code etc/peerpool.ini},
 * DESIGN.md A2). Immutable: a reload builds a new one and the pool swaps it in
 * whole. {@code peers} is sorted by address order, without duplicates and without
 * this node's own address.
 *
 * <p>It holds its own invariants, however it is built: every number within its
 * key's range and the rules between keys (see {@link ConfigKey}, which also says when
 * a change of each key takes effect). The loader checks the same first, to name the
 * file and line; a builder used in code fails here, before any part of the node sees it.
 */
public record NodeConfig(
        // [network] -- applied live, as a diff
        InetAddress localIp,
        int port,
        List<NodeAddress> peers,
        // [connection] -- apply to new connections
        int handshakeTimeoutMs,
        int keepaliveIdleS,
        int keepaliveIntervalS,
        int keepaliveCount,
        int reconnectMinMs,
        int reconnectMaxMs,
        int heartbeatIntervalS,
        int idleTimeoutS,
        int reverseDialAfterS,
        int maxFrameBytes,
        long maxPendingBytes,
        // [security] -- applies to the next handshake
        boolean acceptUnknownPeers,
        int maxHandshaking,
        int maxHandshakingPerIp,
        int maxUnknownPeers,
        int maxUnknownPeersPerIp,
        long maxInboundBufferBytes,
        // [tls] and the pins on peer lines -- re-judge every connection (PROTOCOL.md section 7)
        TlsSettings tls,
        SortedMap<NodeAddress, SortedSet<KeyPin>> pins,
        // [peers] -- applied live: sources start, stop or change their timing
        PeerSourceSettings sources) {

    public static final int DEFAULT_PORT = 7100;

    /** The length prefix in front of every frame (PROTOCOL.md section 2). */
    public static final int FRAME_HEADER_BYTES = 4;

    public NodeConfig {
        Objects.requireNonNull(localIp, "localIp");
        Objects.requireNonNull(peers, "peers");
        if (localIp.isAnyLocalAddress() || localIp.isMulticastAddress()) {
            throw new IllegalArgumentException("local_ip: " + localIp.getHostAddress()
                    + " (expected: an IP of this node, not a wildcard or multicast address)");
        }
        check(ConfigKey.PORT, port);
        check(ConfigKey.HANDSHAKE_TIMEOUT_MS, handshakeTimeoutMs);
        check(ConfigKey.KEEPALIVE_IDLE_S, keepaliveIdleS);
        check(ConfigKey.KEEPALIVE_INTERVAL_S, keepaliveIntervalS);
        check(ConfigKey.KEEPALIVE_COUNT, keepaliveCount);
        check(ConfigKey.RECONNECT_MIN_MS, reconnectMinMs);
        check(ConfigKey.RECONNECT_MAX_MS, reconnectMaxMs);
        check(ConfigKey.HEARTBEAT_INTERVAL_S, heartbeatIntervalS);
        check(ConfigKey.IDLE_TIMEOUT_S, idleTimeoutS);
        check(ConfigKey.REVERSE_DIAL_AFTER_S, reverseDialAfterS);
        check(ConfigKey.MAX_FRAME_BYTES, maxFrameBytes);
        check(ConfigKey.MAX_PENDING_BYTES, maxPendingBytes);
        check(ConfigKey.MAX_HANDSHAKING, maxHandshaking);
        check(ConfigKey.MAX_HANDSHAKING_PER_IP, maxHandshakingPerIp);
        check(ConfigKey.MAX_UNKNOWN_PEERS, maxUnknownPeers);
        check(ConfigKey.MAX_UNKNOWN_PEERS_PER_IP, maxUnknownPeersPerIp);
        check(ConfigKey.MAX_INBOUND_BUFFER_BYTES, maxInboundBufferBytes);
        if (reconnectMaxMs < reconnectMinMs) {
            throw new IllegalArgumentException("reconnect_max_ms: " + reconnectMaxMs
                    + " (expected: >= reconnect_min_ms = " + reconnectMinMs + ")");
        }
        if (maxPendingBytes < (long) maxFrameBytes + FRAME_HEADER_BYTES) {
            throw new IllegalArgumentException("max_pending_bytes: " + maxPendingBytes + " (expected: >= max_frame_bytes + "
                    + FRAME_HEADER_BYTES + " = " + ((long) maxFrameBytes + FRAME_HEADER_BYTES) + ")");
        }
        Objects.requireNonNull(tls, "tls");
        Objects.requireNonNull(pins, "pins");
        Objects.requireNonNull(sources, "sources");
        check(ConfigKey.DNS_REFRESH_S, sources.dnsRefreshS());
        NodeAddress self = NodeAddress.of(localIp, port);
        TreeSet<NodeAddress> sorted = new TreeSet<>(peers);
        sorted.remove(self);
        peers = List.copyOf(sorted);
        TreeMap<NodeAddress, SortedSet<KeyPin>> pinned = new TreeMap<>();
        for (Map.Entry<NodeAddress, SortedSet<KeyPin>> e : pins.entrySet()) {
            if (sorted.contains(e.getKey()) && !e.getValue().isEmpty()) {
                pinned.put(e.getKey(), Collections.unmodifiableSortedSet(new TreeSet<>(e.getValue())));
            }
        }
        pins = Collections.unmodifiableSortedMap(pinned);
        if (tls.mode() == TlsMode.REQUIRED) {
            for (NodeAddress p : peers) {
                if (!pins.containsKey(p)) {
                    throw new IllegalArgumentException("[tls] mode = required: peer " + p
                            + " has no key pin (every configured peer needs one)");
                }
            }
        }
    }

    /** The pins listed for {@code peer}; empty when it is unpinned or not configured. */
    public Set<KeyPin> pinsOf(NodeAddress peer) {
        SortedSet<KeyPin> p = pins.get(peer);
        return p == null ? Set.of() : p;
    }

    private static void check(ConfigKey k, long v) {
        if (v < k.min() || v > k.max()) {
            throw new IllegalArgumentException(k.key() + ": " + v + " (expected: " + k.range() + ")");
        }
    }

    /** This node's own address: {@code local_ip} and {@code port}. */
    public NodeAddress self() {
        return NodeAddress.of(localIp, port);
    }

    /** A builder holding every default of DESIGN.md A2; only the local IP has none. */
    public static Builder builder(InetAddress localIp) {
        return new Builder(localIp);
    }

    /** A builder starting from this snapshot, to derive a changed one. */
    public Builder toBuilder() {
        Builder b = new Builder(localIp);
        b.peers = new ArrayList<>(peers);
        for (ConfigKey k : ConfigKey.values()) {
            if (k.isNumber()) {
                k.set(b, k.valueIn(this));
            }
        }
        b.acceptUnknownPeers = acceptUnknownPeers;
        b.tls = tls;
        b.pins = new TreeMap<>(pins);
        b.peersFile = sources.file();
        b.dns = new ArrayList<>(sources.dns());
        b.maxDropFraction = sources.maxDropFraction();
        return b;
    }

    /** Mutable builder for {@link NodeConfig}; tests and the loader use it. */
    public static final class Builder {
        private InetAddress localIp;
        private int port;
        private List<NodeAddress> peers = new ArrayList<>();
        private int handshakeTimeoutMs;
        private int keepaliveIdleS;
        private int keepaliveIntervalS;
        private int keepaliveCount;
        private int reconnectMinMs;
        private int reconnectMaxMs;
        private int heartbeatIntervalS;
        private int idleTimeoutS;
        private int reverseDialAfterS;
        private int maxFrameBytes;
        private long maxPendingBytes;
        private boolean acceptUnknownPeers;
        private int maxHandshaking;
        private int maxHandshakingPerIp;
        private int maxUnknownPeers;
        private int maxUnknownPeersPerIp;
        private long maxInboundBufferBytes;
        private TlsSettings tls = TlsSettings.OFF;
        private TreeMap<NodeAddress, SortedSet<KeyPin>> pins = new TreeMap<>();
        private Path peersFile;
        private List<DnsName> dns = new ArrayList<>();
        private int dnsRefreshS;
        private double maxDropFraction = PeerSourceSettings.DEFAULT_MAX_DROP_FRACTION;

        private Builder(InetAddress localIp) {
            this.localIp = localIp;
            for (ConfigKey k : ConfigKey.values()) {
                if (k.isNumber()) {
                    k.set(this, k.defaultValue());
                }
            }
        }

        public Builder localIp(InetAddress v) { localIp = v; return this; }
        public Builder port(int v) { port = v; return this; }
        public Builder peers(List<NodeAddress> v) { peers = new ArrayList<>(v); return this; }
        public Builder addPeer(NodeAddress v) { peers.add(v); return this; }
        public Builder handshakeTimeoutMs(int v) { handshakeTimeoutMs = v; return this; }
        public Builder keepaliveIdleS(int v) { keepaliveIdleS = v; return this; }
        public Builder keepaliveIntervalS(int v) { keepaliveIntervalS = v; return this; }
        public Builder keepaliveCount(int v) { keepaliveCount = v; return this; }
        public Builder reconnectMinMs(int v) { reconnectMinMs = v; return this; }
        public Builder reconnectMaxMs(int v) { reconnectMaxMs = v; return this; }
        public Builder heartbeatIntervalS(int v) { heartbeatIntervalS = v; return this; }
        public Builder idleTimeoutS(int v) { idleTimeoutS = v; return this; }
        public Builder reverseDialAfterS(int v) { reverseDialAfterS = v; return this; }
        public Builder maxFrameBytes(int v) { maxFrameBytes = v; return this; }
        public Builder maxPendingBytes(long v) { maxPendingBytes = v; return this; }
        public Builder acceptUnknownPeers(boolean v) { acceptUnknownPeers = v; return this; }
        public Builder maxHandshaking(int v) { maxHandshaking = v; return this; }
        public Builder maxHandshakingPerIp(int v) { maxHandshakingPerIp = v; return this; }
        public Builder maxUnknownPeers(int v) { maxUnknownPeers = v; return this; }
        public Builder maxUnknownPeersPerIp(int v) { maxUnknownPeersPerIp = v; return this; }
        public Builder maxInboundBufferBytes(long v) { maxInboundBufferBytes = v; return this; }
        public Builder tls(TlsSettings v) { tls = v; return this; }
        /** An absolute path, or null for none. */
        public Builder peersFile(Path v) { peersFile = v; return this; }
        public Builder dns(List<DnsName> v) { dns = new ArrayList<>(v); return this; }
        public Builder dnsRefreshS(int v) { dnsRefreshS = v; return this; }
        public Builder maxDropFraction(double v) { maxDropFraction = v; return this; }

        /** Adds {@code peer}, if not listed yet, with pins for its key (merged with any it has). */
        public Builder addPeer(NodeAddress peer, Set<KeyPin> keyPins) {
            if (!peers.contains(peer)) {
                peers.add(peer);
            }
            pins.computeIfAbsent(peer, p -> new TreeSet<>()).addAll(keyPins);
            return this;
        }

        /** Replaces the pins of {@code peer}; an empty set unpins it. */
        public Builder pins(NodeAddress peer, Set<KeyPin> keyPins) {
            pins.put(peer, new TreeSet<>(keyPins));
            return this;
        }

        // Read back by the loader, which checks the rules between keys before building, to name the line.
        int reconnectMinMs() { return reconnectMinMs; }
        int reconnectMaxMs() { return reconnectMaxMs; }
        int maxFrameBytes() { return maxFrameBytes; }
        long maxPendingBytes() { return maxPendingBytes; }

        /** The snapshot; throws {@link IllegalArgumentException} naming the key when a value is out of range. */
        public NodeConfig build() {
            return new NodeConfig(localIp, port, peers, handshakeTimeoutMs, keepaliveIdleS, keepaliveIntervalS,
                    keepaliveCount, reconnectMinMs, reconnectMaxMs, heartbeatIntervalS, idleTimeoutS,
                    reverseDialAfterS, maxFrameBytes, maxPendingBytes, acceptUnknownPeers, maxHandshaking,
                    maxHandshakingPerIp, maxUnknownPeers, maxUnknownPeersPerIp, maxInboundBufferBytes, tls, pins,
                    new PeerSourceSettings(peersFile, dns, dnsRefreshS, maxDropFraction));
        }
    }
}
