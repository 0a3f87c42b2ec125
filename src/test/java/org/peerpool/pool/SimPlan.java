package org.peerpool.pool;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.peerpool.config.NodeConfig;
import org.peerpool.config.TlsSettings;
import org.peerpool.tls.KeyPin;
import org.peerpool.tls.LocalKey;
import org.peerpool.tls.TlsMode;
import org.peerpool.wire.NodeAddress;

/**
 * What one simulated node's file says, as the operator edits it: its address and key,
 * the peers it lists (at the address it believes each has) with their pins, its step of
 * a TLS rollout, and its timers. {@link #build} turns it into the {@link NodeConfig} a
 * save would load.
 */
final class SimPlan {

    /** The steps of PROTOCOL.md 7's rollout, one saved edit apart. */
    enum Stage { OFF, OPTIONAL, PINS, REQUIRED }

    final int index;
    int port = 7100;
    LocalKey key;
    Stage stage = Stage.OFF;
    /** Listed peers: node index to the address this node believes it has. */
    final Map<Integer, NodeAddress> listed = new HashMap<>();
    /** Pins this node holds for each peer, by node index. */
    final Map<Integer, Set<KeyPin>> pins = new HashMap<>();
    int handshakeTimeoutMs;
    int reconnectMinMs;
    int reconnectMaxMs;
    int heartbeatS;
    int reverseDialAfterS;
    boolean acceptUnknown;

    SimPlan(int index) {
        this.index = index;
        try {
            this.ip = InetAddress.getByAddress(new byte[] {127, 0, 0, (byte) (index + 1)});
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
        this.selves = new NodeAddress[] {NodeAddress.of(ip, 7100), NodeAddress.of(ip, 7101)};
    }

    private final InetAddress ip;
    private final NodeAddress[] selves;

    InetAddress ip() {
        return ip;
    }

    NodeAddress self() {
        return selves[port - 7100];
    }

    TlsMode mode() {
        return switch (stage) {
            case OFF -> TlsMode.OFF;
            case OPTIONAL, PINS -> TlsMode.OPTIONAL;
            case REQUIRED -> TlsMode.REQUIRED;
        };
    }

    boolean pinsPeers() {
        return stage == Stage.PINS || stage == Stage.REQUIRED;
    }

    NodeConfig build() {
        NodeConfig.Builder b = NodeConfig.builder(ip()).port(port)
                .handshakeTimeoutMs(handshakeTimeoutMs)
                .reconnectMinMs(reconnectMinMs).reconnectMaxMs(reconnectMaxMs)
                .heartbeatIntervalS(heartbeatS).idleTimeoutS(3 * heartbeatS)
                .reverseDialAfterS(reverseDialAfterS)
                .acceptUnknownPeers(acceptUnknown)
                .tls(stage == Stage.OFF ? new TlsSettings(TlsMode.OFF, key) : TlsSettings.of(mode(), key));
        for (Map.Entry<Integer, NodeAddress> e : listed.entrySet()) {
            Set<KeyPin> p = pinsPeers() ? pins.getOrDefault(e.getKey(), Set.of()) : Set.of();
            b.addPeer(e.getValue(), new TreeSet<>(p));
        }
        return b.build();
    }
}
