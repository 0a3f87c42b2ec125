package org.peerpool;

/**
 * One peer of one node over JMX
 * ({@code peerpool:type=Peer,node="IP:PORT",peer="IP:PORT"}, DESIGN.md A3), registered
 * while the peer has an entry in the pool: listed in the config, or an unlisted peer
 * admitted and connected. Every read is a fresh, consistent snapshot of the pool's
 * entry; connection fields are empty, zero or -1 while the peer is not connected.
 */
@Description("One peer as this node sees it: connection state, direction, traffic counters and the last error")
public interface PeerMXBean {

    @Description("The peer's address, IP:PORT")
    String getAddress();

    @Description("CONNECTED, CONNECTING (TCP connect under way), HANDSHAKING, BACKOFF (waiting to dial again) "
            + "or AWAITING_INBOUND (the peer is the initiator; waiting for its dial)")
    String getState();

    @Description("Who dialed the established connection: OUTBOUND (this node) or INBOUND (the peer); "
            + "empty when not connected")
    String getDirection();

    @Description("INITIATOR if this node has the lower address and dials the peer; RESPONDER if it waits for "
            + "the peer's dial and only dials in reverse after reverse_dial_after_s")
    String getRole();

    @Description("True for a reverse connection: dialed by the higher address because the initiator stayed away")
    boolean isReverse();

    @Description("True if the peer is in this node's peer list; false for an unlisted peer admitted by "
            + "accept_unknown_peers")
    boolean isConfigured();

    @Description("Where this node's peer list got the peer: 'ini' (a peer line), 'file:NAME' ([peers] file), "
            + "'dns:NAME:PORT' ([peers] dns); several if more than one lists it; empty for an unlisted peer")
    String[] getSources();

    @Description("When the current connection completed its handshake (ISO-8601, UTC); empty when not connected")
    String getConnectedSince();

    @Description("Milliseconds since the last message from the peer; -1 when not connected")
    long getLastMessageAgeMillis();

    @Description("Messages received on the current connection since its handshake")
    long getMessagesIn();

    @Description("Messages sent on the current connection, handshake and GOODBYE included")
    long getMessagesOut();

    @Description("Bytes received on the current connection's socket")
    long getBytesIn();

    @Description("Bytes written to the current connection's socket")
    long getBytesOut();

    @Description("Bytes queued for the peer and not yet written to the socket (bounded by max_pending_bytes)")
    long getQueuedBytes();

    @Description("This process's number for the current connection, new for every connection; 0 when not connected")
    long getConnectionId();

    @Description("This node's end of the current TCP connection; empty when not connected")
    String getLocalSocket();

    @Description("The peer's end of the current TCP connection; empty when not connected")
    String getRemoteSocket();

    @Description("This node's IP as the peer saw it (your_ip in its HANDSHAKE_ACK), for outbound connections; "
            + "otherwise empty")
    String getObservedIp();

    @Description("Sequence number of the last ANNOUNCE heartbeat from the peer; -1 if none yet")
    long getLastAnnounceSequence();

    @Description("Consecutive failed dials since the last handshake that succeeded")
    int getFailedAttempts();

    @Description("Why the last dial or handshake with the peer failed; empty if none failed")
    String getLastError();

    @Description("What protects the current connection: 'plaintext', or the TLS protocol and cipher suite "
            + "(e.g. 'TLSv1.3 TLS_AES_256_GCM_SHA384'); empty when not connected")
    String getSecurity();

    @Description("Pin of the key the peer presented on the current connection; empty on plaintext or when not connected")
    String getPeerKeyPin();

    @Description("Connections with this peer that ended since this node started")
    long getDisconnects();

    @Description("The last 10 disconnects, newest first: 'ISO-time reason (connected N s, DIRECTION)'")
    String[] getRecentDisconnects();

    @Description("When this peer was last connected (Unix time in ms): now while it is, the end of its last "
            + "connection otherwise; 0 if it never was")
    long getLastConnectedMillis();

    @Description("How far the peer's clock is ahead of this node's (negative: behind), in ms: its ANNOUNCE "
            + "timestamp_ms minus this node's time at arrival, median of the last 5, one-way delay included; "
            + "0 before the first ANNOUNCE")
    long getClockOffsetMillis();

    @Description("Microseconds from HANDSHAKE sent to HANDSHAKE_ACK received on the current connection, "
            + "if this node dialed it; -1 otherwise")
    long getHandshakeRttMicros();

    @Description("Closes the connection with this peer, sending GOODBYE 'disconnected by operator'. "
            + "Whichever node initiates the pair reconnects after its backoff delay")
    String disconnect();

    @Description("Dials this peer at once, skipping the backoff wait, if this node is the initiator of the pair")
    String connectNow();
}
