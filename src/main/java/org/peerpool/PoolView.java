package org.peerpool;

import java.util.List;
import java.util.Optional;

import java.io.IOException;
import java.net.SocketOption;

import org.peerpool.config.NodeConfig;
import org.peerpool.wire.NodeAddress;

/**
 * A read-only view of one node's pool, for the application, JMX and tests:
 * consistent snapshots taken under the pool's lock (a peer never shows two
 * connections) and counters since start. Nothing here changes the pool.
 */
public interface PoolView {

    /** This node's own address. */
    NodeAddress self();

    /** The configuration in force. */
    NodeConfig config();

    /** The direction rule: this node initiates for {@code peer} exactly when its address is the lower one. */
    default boolean initiates(NodeAddress peer) {
        return self().compareTo(peer) < 0;
    }

    boolean isConnected(NodeAddress peer);

    /**
     * A socket option read back from the socket of the connection with {@code peer}
     * (diagnostics: the keepalive timers the kernel really uses); empty when not connected.
     */
    <T> Optional<T> socketOption(NodeAddress peer, SocketOption<T> option) throws IOException;

    /** Peer events (added, connected, disconnected, removed), in the order they happened. */
    void addPeerListener(PeerListener l);

    void removePeerListener(PeerListener l);

    /** Connected peers in address order. */
    List<NodeAddress> connectedPeers();

    /** Configured peers in address order. */
    List<NodeAddress> configuredPeers();

    int connectionCount();

    /** A consistent view of every known peer (configured or connected), in address order. */
    List<PeerSnapshot> snapshots();

    Optional<PeerSnapshot> snapshot(NodeAddress peer);

    /** Accepted connections still waiting for their HANDSHAKE. */
    int handshakingInbound();

    /** Strangers' connections refused or dropped by the handshake bounds. */
    long handshakesRefused();

    /** Peer events dropped because the listeners were too far behind (their queue was full). */
    long peerEventsDropped();

    long connectAttempts();

    long handshakeFailures();

    long protocolViolations();

    long superseded();

    long unknownMessages();

    /** {@code off}, {@code optional} or {@code required}: the TLS mode in force. */
    String tlsMode();

    /** This node's key pin; empty without a keystore. */
    String localKeyPin();

    /** Keys that matched no pin since start, as initiator (TLS aborted) or responder ({@code key mismatch}). */
    long keyMismatches();

    /** Each peer's disconnect history, and the connections opened and closed, since start. */
    PeerHistory history();

    /**
     * Every pair of the mesh as this node knows it: its own links, and its peers' VIEW
     * messages for the pairs between them (PROTOCOL.md section 3).
     */
    MeshMatrix mesh();

    /** Told, in order with the peer events, whenever the set of missing pairs changes. */
    void addMeshListener(MeshListener l);

    void removeMeshListener(MeshListener l);

    /** Each peer's clock offset, from its ANNOUNCE heartbeats. */
    ClockOffsets clocks();
}
