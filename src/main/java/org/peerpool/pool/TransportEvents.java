package org.peerpool.pool;

import org.peerpool.config.NodeConfig;
import org.peerpool.wire.Message;

/**
 * What the transport reports to the pool: socket and frame events, each for the
 * {@link Connection} it concerns. The transport sees the pool only through this, and
 * the application never sees it. Every method is safe on any thread and returns
 * quickly; none throws.
 */
public interface TransportEvents {

    /** The configuration in force (socket options, timeouts). */
    NodeConfig config();

    /** An outbound TCP connection for {@code attempt} is up. */
    void onDialConnected(Connection attempt, Link link);

    /** The TCP connect for {@code attempt} failed. */
    void onDialFailed(Connection attempt, Throwable cause);

    /** A peer's TCP connection was accepted; returns the connection to report on. */
    Connection onAccepted(Link link);

    /** A whole message arrived on {@code c}. */
    void onMessage(Connection c, Message m);

    /** A frame on {@code c} broke the protocol. */
    void onViolation(Connection c, String reason);

    /** Nothing arrived on {@code c} for its read-idle time. */
    void onIdle(Connection c);

    /** A socket error on {@code c}, such as a failed write. */
    void onError(Connection c, Throwable cause);

    /** The socket of {@code c} is closed, whoever closed it. */
    void onClosed(Connection c);

    /**
     * An accepted connection opened with a TLS record: true to answer it with TLS;
     * false (TLS is off) when the pool has closed it without an answer.
     */
    boolean onTlsOffered(Connection c);

    /** The TLS handshake on {@code c} is done, in either role. */
    void onSecured(Connection c);

    /** This node's dial {@code c} aborted TLS: the responder's key matches no pin of it. */
    void onKeyMismatch(Connection c, String reason);
}
