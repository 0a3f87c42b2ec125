package org.peerpool.config;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;

import org.peerpool.wire.NodeAddress;

/**
 * One validated snapshot of a node's configuration ({@code etc/peerpool.ini},
 * DESIGN.md A2). Immutable: a reload builds a new one and the pool swaps it in
 * whole. {@code peers} is sorted by address order, without duplicates and without
 * this node's own address.
 *
 * <p>Live keys: {@code local_ip}, {@code port} (rebind and re-judge every pair) and
 * {@code peer} (diffed: added peers are dialed or awaited, removed ones closed).
 * Every other key applies to connections made after the change.
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
        int maxHandshakingPerIp) {

    public static final int DEFAULT_PORT = 7100;

    public NodeConfig {
        Objects.requireNonNull(localIp, "localIp");
        NodeAddress self = NodeAddress.of(localIp, port);
        TreeSet<NodeAddress> sorted = new TreeSet<>(peers);
        sorted.remove(self);
        peers = List.copyOf(sorted);
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
        b.port = port;
        b.peers = new ArrayList<>(peers);
        b.handshakeTimeoutMs = handshakeTimeoutMs;
        b.keepaliveIdleS = keepaliveIdleS;
        b.keepaliveIntervalS = keepaliveIntervalS;
        b.keepaliveCount = keepaliveCount;
        b.reconnectMinMs = reconnectMinMs;
        b.reconnectMaxMs = reconnectMaxMs;
        b.heartbeatIntervalS = heartbeatIntervalS;
        b.idleTimeoutS = idleTimeoutS;
        b.reverseDialAfterS = reverseDialAfterS;
        b.maxFrameBytes = maxFrameBytes;
        b.maxPendingBytes = maxPendingBytes;
        b.acceptUnknownPeers = acceptUnknownPeers;
        b.maxHandshaking = maxHandshaking;
        b.maxHandshakingPerIp = maxHandshakingPerIp;
        return b;
    }

    /** Mutable builder for {@link NodeConfig}; tests and the loader use it. */
    public static final class Builder {
        private InetAddress localIp;
        private int port = DEFAULT_PORT;
        private List<NodeAddress> peers = new ArrayList<>();
        private int handshakeTimeoutMs = 5000;
        private int keepaliveIdleS = 30;
        private int keepaliveIntervalS = 10;
        private int keepaliveCount = 3;
        private int reconnectMinMs = 1000;
        private int reconnectMaxMs = 60000;
        private int heartbeatIntervalS = 60;
        private int idleTimeoutS = 180;
        private int reverseDialAfterS = 120;
        private int maxFrameBytes = 4194304;
        private long maxPendingBytes = 16777216;
        private boolean acceptUnknownPeers;
        private int maxHandshaking = 256;
        private int maxHandshakingPerIp = 8;

        private Builder(InetAddress localIp) {
            this.localIp = localIp;
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

        public NodeConfig build() {
            return new NodeConfig(localIp, port, peers, handshakeTimeoutMs, keepaliveIdleS, keepaliveIntervalS,
                    keepaliveCount, reconnectMinMs, reconnectMaxMs, heartbeatIntervalS, idleTimeoutS,
                    reverseDialAfterS, maxFrameBytes, maxPendingBytes, acceptUnknownPeers, maxHandshaking,
                    maxHandshakingPerIp);
        }
    }
}
