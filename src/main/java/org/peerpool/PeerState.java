package org.peerpool;

/** Where one peer's connection stands, as DESIGN.md A3 names it for the Peer bean. */
public enum PeerState {
    /** A handshake completed and the connection is up. */
    CONNECTED,
    /** This node is opening the TCP connection. */
    CONNECTING,
    /** TCP is up and the handshake is under way. */
    HANDSHAKING,
    /** This node will dial again when its backoff delay runs out. */
    BACKOFF,
    /** The peer is the initiator of the pair; this node waits for it to dial. */
    AWAITING_INBOUND
}
