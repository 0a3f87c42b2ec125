package org.peerpool.pool;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketOption;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;



/**
 * One open TCP connection as the pool sees it: somewhere to write whole frames and
 * something to close. The transport implements it over a MINA session; tests can
 * implement it with a stub. Every method is safe to call from any thread and never
 * blocks.
 */
public interface Link {

    InetSocketAddress remoteAddress();

    InetSocketAddress localAddress();

    /**
     * Queues one whole frame; the future completes once it is written, or fails with a
     * {@link org.peerpool.SendFailedException}. Futures are never completed while a lock
     * of the link is held.
     */
    CompletableFuture<Void> write(ByteBuffer frame);

    /**
     * Queues the last frame (a GOODBYE): every later {@link #write} fails at once, so
     * nothing can be queued behind it and reported written.
     */
    CompletableFuture<Void> writeLast(ByteBuffer frame);

    /** Sets how long the connection may receive nothing before it is reported idle. */
    void readIdleSeconds(int seconds);

    /** Bytes queued and not yet written to the socket. */
    long queuedBytes();

    long bytesIn();

    long bytesOut();

    /** Closes once everything queued before this call has been written. */
    void closeAfterFlush();

    /**
     * Half-closes: sends FIN after what is already written, and keeps reading until the
     * peer closes its side (or {@link #closeNow()}). Call it once the last frame is out.
     */
    void shutdownOutput();

    /** Closes at once, dropping anything still queued. */
    void closeNow();

    /** Reads a socket option back from the socket itself (diagnostics: keepalive timers). */
    <T> T socketOption(SocketOption<T> option) throws IOException;

    /** True until the socket is closed. */
    boolean isOpen();

    /** What protects the connection; plaintext until a TLS handshake is done. */
    default LinkSecurity security() {
        return LinkSecurity.PLAINTEXT;
    }

    /** True while a TLS handshake runs on this link: nothing may be written to it yet. */
    default boolean tlsPending() {
        return false;
    }
}
