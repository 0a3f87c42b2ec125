package org.peerpool.jmx;

import java.util.List;
import java.util.Map;

import org.peerpool.ConnectionPoolMXBean;
import org.peerpool.MeshMatrix;
import org.peerpool.PeerEvent.Direction;
import org.peerpool.PeerRow;
import org.peerpool.PeerSnapshot;
import org.peerpool.PeerState;
import org.peerpool.PoolView;
import org.peerpool.sources.SourcesView;

/** {@link ConnectionPoolMXBean} read straight from the pool on every call. */
final class ConnectionPoolBean implements ConnectionPoolMXBean {

    private final PoolView pool;
    private final PeerOperations operations;
    private final SourcesView sources;

    ConnectionPoolBean(PoolView pool, PeerOperations operations, SourcesView sources) {
        this.pool = pool;
        this.operations = operations;
        this.sources = sources;
    }

    @Override
    public PeerRow[] getPeerRows() {
        return PeerRows.of(pool.snapshots(), sources);
    }

    @Override
    public String getLocalAddress() {
        return pool.self().toString();
    }

    @Override
    public int getConnectionCount() {
        return pool.connectionCount();
    }

    @Override
    public int getInboundCount() {
        return connected(Direction.INBOUND);
    }

    @Override
    public int getOutboundCount() {
        return connected(Direction.OUTBOUND);
    }

    private int connected(Direction d) {
        return (int) pool.snapshots().stream().filter(s -> s.direction() == d).count();
    }

    @Override
    public String[] getConnectedPeers() {
        return OpenValues.addresses(pool.connectedPeers());
    }

    @Override
    public String[] getConfiguredPeers() {
        return OpenValues.addresses(pool.configuredPeers());
    }

    @Override
    public String[] getDisconnectedPeers() {
        return pool.snapshots().stream()
                .filter(s -> s.configured() && s.state() != PeerState.CONNECTED)
                .map(PeerSnapshot::address)
                .map(Object::toString)
                .toArray(String[]::new);
    }

    @Override
    public String[] getMeshPairs() {
        return pairs(pool.mesh().pairs(MeshMatrix.PairState.CONNECTED));
    }

    @Override
    public String[] getMeshMissingPairs() {
        return pairs(pool.mesh().missing());
    }

    @Override
    public int getMeshMissingPairCount() {
        return pool.mesh().missing().size();
    }

    private static String[] pairs(List<MeshMatrix.Pair> pairs) {
        return pairs.stream().map(MeshMatrix.Pair::toString).toArray(String[]::new);
    }

    @Override
    public long getConnectAttempts() {
        return pool.connectAttempts();
    }

    @Override
    public long getHandshakeFailures() {
        return pool.handshakeFailures();
    }

    @Override
    public long getProtocolViolations() {
        return pool.protocolViolations();
    }

    @Override
    public long getSuperseded() {
        return pool.superseded();
    }

    @Override
    public long getUnknownMessages() {
        return pool.unknownMessages();
    }

    @Override
    public String getTlsMode() {
        return pool.tlsMode();
    }

    @Override
    public String getLocalKeyPin() {
        return pool.localKeyPin();
    }

    @Override
    public long getKeyMismatches() {
        return pool.keyMismatches();
    }

    @Override
    public int getHandshakingInbound() {
        return pool.handshakingInbound();
    }

    @Override
    public long getHandshakesRefused() {
        return pool.handshakesRefused();
    }

    @Override
    public long getPeerEventsDropped() {
        return pool.peerEventsDropped();
    }

    @Override
    public long getConnectionsOpened() {
        return pool.history().connectionsOpened();
    }

    @Override
    public long getConnectionsClosed() {
        return pool.history().connectionsClosed();
    }

    @Override
    public Map<String, Long> getDisconnectReasons() {
        return pool.history().disconnectReasons();
    }

    @Override
    public String disconnect(String peer) {
        return operations.disconnect(operations.parse(peer));
    }

    @Override
    public String connectNow(String peer) {
        return operations.connectNow(operations.parse(peer));
    }
}
