package org.peerpool.pool;

import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.mina.core.buffer.IoBuffer;
import org.peerpool.PeerEvent.Direction;
import org.peerpool.SendFailedException;
import org.peerpool.wire.Message;
import org.peerpool.wire.MessageCodec;
import org.peerpool.wire.NodeAddress;

/**
 * One TCP connection for its whole life, from dial or accept through handshake to
 * close. The pool creates it and decides its fate; the transport feeds it events.
 * Fields that change after the handshake are written under the pool's lock and
 * read without it (volatile), so the send path and readers never wait on the lock.
 */
public final class Connection {

    private static final AtomicLong IDS = new AtomicLong();

    private final long id = IDS.incrementAndGet();
    private final Direction direction;
    private final int maxFrameBytes;
    private final long maxPendingBytes;

    private volatile NodeAddress peer;
    private volatile boolean reverse;
    private volatile Link link;
    private volatile boolean established;
    private volatile boolean closing;
    private volatile String closeReason;
    private volatile Instant connectedSince;
    private volatile long lastMessageNanos = System.nanoTime();
    private volatile String observedIp;
    private volatile Message.Announce lastAnnounce;
    private volatile long attachedNanos;
    private volatile long handshakeRttMicros = -1;

    private final AtomicLong messagesIn = new AtomicLong();
    private final AtomicLong messagesOut = new AtomicLong();

    // Timer handles, touched under the pool lock only.
    ScheduledFuture<?> handshakeTimer;
    ScheduledFuture<?> heartbeat;
    long announceSequence;

    Connection(Direction direction, NodeAddress peer, int maxFrameBytes, long maxPendingBytes) {
        this.direction = direction;
        this.peer = peer;
        this.maxFrameBytes = maxFrameBytes;
        this.maxPendingBytes = maxPendingBytes;
    }

    public long id() {
        return id;
    }

    public Direction direction() {
        return direction;
    }

    /** The peer's address: known from the start when dialed, after the handshake when accepted. */
    public NodeAddress peer() {
        return peer;
    }

    /** True for a reverse dial (section 6): the higher address initiated. */
    public boolean isReverse() {
        return reverse;
    }

    public Link link() {
        return link;
    }

    public boolean isEstablished() {
        return established;
    }

    public Instant connectedSince() {
        return connectedSince;
    }

    public long messagesIn() {
        return messagesIn.get();
    }

    public long messagesOut() {
        return messagesOut.get();
    }

    public long lastMessageAgeMillis() {
        return (System.nanoTime() - lastMessageNanos) / 1_000_000;
    }

    /** How the responder saw this node's IP ({@code your_ip}), for outbound connections. */
    public String observedIp() {
        return observedIp;
    }

    public Message.Announce lastAnnounce() {
        return lastAnnounce;
    }

    /** Microseconds from HANDSHAKE sent to HANDSHAKE_ACK received, for outbound connections; -1 otherwise. */
    public long handshakeRttMicros() {
        return handshakeRttMicros;
    }

    public String closeReason() {
        return closeReason;
    }

    /** The largest frame body this connection accepts right now (PROTOCOL.md section 2). */
    public int maxBodyBytes() {
        return established ? maxFrameBytes : MessageCodec.MAX_HANDSHAKE_FRAME;
    }

    void attach(Link l) {
        this.link = l;
        this.attachedNanos = System.nanoTime();
    }

    void identify(NodeAddress p, boolean isReverse) {
        this.peer = p;
        this.reverse = isReverse;
    }

    void markEstablished(String seenIp) {
        this.observedIp = seenIp;
        this.connectedSince = Instant.now();
        if (direction == Direction.OUTBOUND) {
            // Attached when the TCP connect completed and HANDSHAKE went out: this is one round trip.
            handshakeRttMicros = (System.nanoTime() - attachedNanos) / 1000;
        }
        this.established = true;
    }

    void received(Message m) {
        lastMessageNanos = System.nanoTime();
        messagesIn.incrementAndGet();
        if (m instanceof Message.Announce a) {
            lastAnnounce = a;
        }
    }

    /** Records why this connection ends; the first reason given wins. */
    boolean beginClose(String reason) {
        if (closing) {
            return false;
        }
        closing = true;
        closeReason = reason;
        return true;
    }

    boolean isClosing() {
        return closing;
    }

    /**
     * Queues one frame for this connection, within its send-queue bound. Returns a
     * failed future (never throws) when the connection is not usable or the bound would
     * be passed; in the latter case {@code onQueueFull} runs once to disconnect the peer.
     */
    CompletableFuture<Void> send(IoBuffer frame, Runnable onQueueFull) {
        Link l = link;
        if (l == null || closing || !established) {
            return CompletableFuture.failedFuture(new SendFailedException(peer, "not connected"));
        }
        if (l.queuedBytes() + frame.remaining() > maxPendingBytes) {
            onQueueFull.run();
            return CompletableFuture.failedFuture(new SendFailedException(peer,
                    "send queue full (over max_pending_bytes = " + maxPendingBytes + ")"));
        }
        messagesOut.incrementAndGet();
        return l.write(frame);
    }

    /** Writes a control frame (handshake, GOODBYE) outside the queue bound; the future completes once written. */
    CompletableFuture<Void> sendControl(Message m) {
        Link l = link;
        if (l == null) {
            return CompletableFuture.failedFuture(new SendFailedException(peer, "not connected"));
        }
        messagesOut.incrementAndGet();
        return l.write(MessageCodec.encode(m));
    }

    @Override
    public String toString() {
        return "Connection#" + id + "[" + direction + " " + (peer == null ? "?" : peer) + (reverse ? " reverse" : "") + "]";
    }
}
