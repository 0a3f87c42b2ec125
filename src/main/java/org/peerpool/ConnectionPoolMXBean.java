package org.peerpool;

import java.util.Map;

/**
 * One node's connection pool over JMX ({@code peerpool:type=ConnectionPool,node="IP:PORT"},
 * DESIGN.md A3): how many peers are connected and in which direction, counters since
 * start, and operations to drop or dial one peer. It emits a notification whenever a
 * peer is added, connects, disconnects (with the reason) or is removed; the user data
 * is the peer's address.
 */
@Description("One peerpool node's connections to its peers: counts, counters since start, "
        + "and operations to disconnect a peer or dial it now")
public interface ConnectionPoolMXBean {

    /** A peer's connection is up; the message ends with the direction. */
    String PEER_CONNECTED = "peerpool.peer.connected";
    /** A peer's connection ended; the message ends with the reason. */
    String PEER_DISCONNECTED = "peerpool.peer.disconnected";
    /** A peer joined the pool: listed in the config, or an unlisted peer admitted. */
    String PEER_ADDED = "peerpool.peer.added";
    /** A peer left the pool: removed from the config, or an unlisted peer gone. */
    String PEER_REMOVED = "peerpool.peer.removed";
    /** The set of missing pairs of the mesh changed; the user data is the new set (String[] of "A B"). */
    String MESH_CHANGED = "peerpool.mesh.changed";

    @Description("This node's address (IP:PORT): where it listens, and what it tells peers in its HANDSHAKE")
    String getLocalAddress();

    @Description("Peers with an established connection (after the handshake)")
    int getConnectionCount();

    @Description("Established connections the peer dialed")
    int getInboundCount();

    @Description("Established connections this node dialed")
    int getOutboundCount();

    @Description("Addresses of the connected peers, in address order")
    String[] getConnectedPeers();

    @Description("Addresses in the peer list of the configuration in force, in address order")
    String[] getConfiguredPeers();

    @Description("Listed peers with no established connection right now, in address order; "
            + "the Peer bean of each says why (State, LastError)")
    String[] getDisconnectedPeers();

    @Description("Pairs of the mesh known to be connected, each as 'A B' (A below B in address order): this node's "
            + "own links, and the others from its peers' VIEW messages")
    String[] getMeshPairs();

    @Description("Pairs of the mesh that should be connected (this node lists both ends) and are not, each as 'A B': "
            + "this node's own, or named by a VIEW from one end. A pair neither end has told this node about is in "
            + "neither list (unknown)")
    String[] getMeshMissingPairs();

    @Description("How many pairs MeshMissingPairs lists: 0 when the mesh is whole as far as this node knows")
    int getMeshMissingPairCount();

    @Description("Outbound dials started since this node started (TCP connect plus handshake)")
    long getConnectAttempts();

    @Description("Handshakes that failed since start: timed out, rejected by either side, or answered by the wrong node")
    long getHandshakeFailures();

    @Description("Connections closed since start because the peer broke the protocol (bad frame, oversized frame, "
            + "unexpected message)")
    long getProtocolViolations();

    @Description("Connections replaced by a newer one with the same peer since start")
    long getSuperseded();

    @Description("Frames of an unknown message type received and ignored since start")
    long getUnknownMessages();

    @Description("TLS mode in force: off (plaintext only), optional (TLS toward pinned peers, both accepted) "
            + "or required (TLS only)")
    String getTlsMode();

    @Description("This node's key pin (sha256/ and Base64 of its public key's SHA-256), for other nodes' peer lines; "
            + "empty without a keystore")
    String getLocalKeyPin();

    @Description("Keys that matched no pin since start: TLS dials this node aborted, and HANDSHAKEs it refused "
            + "with 'key mismatch'")
    long getKeyMismatches();

    @Description("Accepted TCP connections whose HANDSHAKE has not arrived yet")
    int getHandshakingInbound();

    @Description("Accepted TCP connections refused or dropped since start because too many were waiting for "
            + "their HANDSHAKE: from one source IP (max_handshaking_per_ip) or in total (max_handshaking)")
    long getHandshakesRefused();

    @Description("Peer events (and their INFO lines) dropped since start because the listeners fell "
            + Agent.EVENT_QUEUE_MAX + " events behind; never waited for, so no I/O thread stalls")
    long getPeerEventsDropped();

    @Description("Connections that completed their handshake since start")
    long getConnectionsOpened();

    @Description("Established connections that ended since start")
    long getConnectionsClosed();

    @Description("Disconnects since start by kind of reason: the reason up to its first ':' (e.g. 'idle timeout', "
            + "'I/O error'), a peer's GOODBYE as 'peer said goodbye: REASON' (or 'other' for a reason the "
            + "protocol does not name)")
    Map<String, Long> getDisconnectReasons();

    @Description("Every peer's main attributes in one read, one row per peer in address order (what "
            + "bin/peerpool peers prints): address, state, direction, connectedSince, messagesIn, messagesOut, "
            + "bytesIn, bytesOut, security, lastError, sources, each as the Peer bean's attribute of that name")
    PeerRow[] getPeerRows();

    @Description("Closes the connection with a peer, sending GOODBYE 'disconnected by operator'. "
            + "Whichever node initiates the pair reconnects after its backoff delay")
    String disconnect(@Name("peer") @Description("The peer's address, IP:PORT or just IP for this node's port")
                      String peer);

    @Description("Dials a peer at once, skipping the backoff wait. Only the initiator of a pair "
            + "(the lower address) dials; on the responder this does nothing and says so")
    String connectNow(@Name("peer") @Description("The peer's address, IP:PORT or just IP for this node's port")
                      String peer);
}
