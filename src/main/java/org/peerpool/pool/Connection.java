package org.peerpool.pool;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

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
 *
 * <p>Two promises hold at its close: nothing is queued behind its GOODBYE (the link
 * refuses writes once the GOODBYE is in, see {@link Link#writeLast}), and no PAYLOAD
 * read on it is delivered once its close has begun ({@link #enterDelivery} against
 * {@link #awaitDeliveries}).
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
    private final PoolClock clock;
    private volatile long lastMessageNanos;
    private volatile String observedIp;
    private volatile Message.Announce lastAnnounce;
    private volatile long attachedNanos;
    private volatile long handshakeRttMicros = -1;
    /** What the peer said it accepts (its limits group, or the assumed defaults). */
    private volatile long peerMaxFrameBytes = Message.Limits.ASSUMED_MAX_FRAME_BYTES;
    private volatile long peerHeartbeatMs;
    /** PAYLOAD deliveries under way on the I/O thread; the close waits for them to end. */
    private final AtomicInteger delivering = new AtomicInteger();

    private final AtomicLong messagesIn = new AtomicLong();
    private final AtomicLong messagesOut = new AtomicLong();

    /** How long a DISCONNECTED event waits for a payload listener still running on this connection. */
    private static final long DELIVERY_WAIT_NANOS = TimeUnit.SECONDS.toNanos(10);

    /** An outbound TCP connect not yet reported connected or failed; touched under the pool lock. */
    private boolean connectPending;

    // Timer handles, touched under the pool lock only.
    ScheduledFuture<?> handshakeTimer;
    HeartbeatTimer.Beat heartbeat;
    long announceSequence;
    /** The next VIEW to this peer, waiting out the once-per-heartbeat bound; see {@link MeshGossip}. */
    ScheduledFuture<?> viewTimer;
    /** The epoch of the last VIEW sent here (-1: none yet) and when it went. */
    long viewEpochSent = -1;
    long viewSentNanos;

    Connection(Direction direction, NodeAddress peer, int maxFrameBytes, long maxPendingBytes, PoolClock clock) {
        this.clock = clock;
        this.lastMessageNanos = clock.nanoTime();
        this.direction = direction;
        this.connectPending = direction == Direction.OUTBOUND;
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
        return (clock.nanoTime() - lastMessageNanos) / 1_000_000;
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
        this.attachedNanos = clock.nanoTime();
    }

    /** The outbound connect ended, connected or not (under the pool lock). */
    void dialSettled() {
        connectPending = false;
    }

    /** Whether a socket of this connection may still exist: connecting, or open (under the pool lock). */
    boolean socketMayBeOpen() {
        Link l = link;
        return connectPending || (l != null && l.isOpen());
    }

    void identify(NodeAddress p, boolean isReverse) {
        this.peer = p;
        this.reverse = isReverse;
    }

    /**
     * The handshake is done. {@code peerLimits} is what the peer sent (null when it sent
     * no limits group: then the assumed frame limit and {@code ownHeartbeatMs} apply).
     */
    void markEstablished(String seenIp, Message.Limits peerLimits, long ownHeartbeatMs) {
        this.observedIp = seenIp;
        this.peerMaxFrameBytes = peerLimits == null ? Message.Limits.ASSUMED_MAX_FRAME_BYTES : peerLimits.maxFrameBytes();
        this.peerHeartbeatMs = peerLimits == null ? ownHeartbeatMs
                : Math.min(peerLimits.heartbeatMs(), Message.Limits.MAX_HEARTBEAT_MS);
        this.connectedSince = Instant.ofEpochMilli(clock.wallMillis());
        if (direction == Direction.OUTBOUND) {
            // Attached when the TCP connect completed and HANDSHAKE went out: this is one round trip.
            handshakeRttMicros = (clock.nanoTime() - attachedNanos) / 1000;
        }
        this.established = true;
    }

    /** The largest frame body the peer accepts (its limits group, or the protocol's assumption). */
    public long peerMaxFrameBytes() {
        return peerMaxFrameBytes;
    }

    /** How often the peer sends ANNOUNCE (its limits group, or this node's own interval). */
    public long peerHeartbeatMs() {
        return peerHeartbeatMs;
    }

    /**
     * The read-idle time for this connection: {@code idle_timeout_s}, but never under
     * three of the peer's heartbeats (PROTOCOL.md section 3).
     */
    int readIdleSeconds(int idleTimeoutS) {
        long threeBeatsS = (3 * peerHeartbeatMs + 999) / 1000;
        return (int) Math.min(Integer.MAX_VALUE, Math.max(idleTimeoutS, threeBeatsS));
    }

    /**
     * Called on the I/O thread before a PAYLOAD goes to the listeners: false once the
     * close has begun, and the payload is dropped. Pair with {@link #exitDelivery()}.
     */
    boolean enterDelivery() {
        delivering.incrementAndGet();
        // Both sides are volatile: either this sees the close, or the closer sees this delivery.
        if (closing) {
            delivering.decrementAndGet();
            return false;
        }
        return true;
    }

    void exitDelivery() {
        delivering.decrementAndGet();
    }

    /**
     * Waits (on the event thread, before DISCONNECTED goes out) until no payload of this
     * connection is still with a listener, so none is seen after the event.
     */
    void awaitDeliveries() {
        long deadline = System.nanoTime() + DELIVERY_WAIT_NANOS;
        while (delivering.get() > 0 && System.nanoTime() - deadline < 0) {
            LockSupport.parkNanos(50_000);
        }
    }

    void received(Message m) {
        lastMessageNanos = clock.nanoTime();
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
     * Queues one frame for this connection, within the peer's frame limit and this
     * node's send-queue bound. Never throws: every refusal is a failed future with a
     * {@link SendFailedException}. A frame that could never be sent (over the peer's
     * {@code max_frame_bytes} or over {@code max_pending_bytes} on its own) fails alone
     * and the connection stays up; a frame that does not fit behind what is queued
     * runs {@code onQueueFull} once, to disconnect the peer.
     */
    CompletableFuture<Void> send(ByteBuffer frame, Runnable onQueueFull) {
        Link l = link;
        if (l == null || closing || !established) {
            return failed("not connected");
        }
        long body = frame.remaining() - MessageCodec.HEADER_BYTES;
        if (body > peerMaxFrameBytes) {
            return failed("frame of " + body + " bytes is over the peer's max_frame_bytes (" + peerMaxFrameBytes
                    + "); not sent, the connection stays up");
        }
        if (frame.remaining() > maxPendingBytes) {
            return failed("frame of " + frame.remaining() + " bytes is over max_pending_bytes (" + maxPendingBytes
                    + "); not sent, the connection stays up");
        }
        if (l.queuedBytes() + frame.remaining() > maxPendingBytes) {
            onQueueFull.run();
            return failed("send queue full (over max_pending_bytes = " + maxPendingBytes + ")");
        }
        messagesOut.incrementAndGet();
        return l.write(frame);
    }

    private CompletableFuture<Void> failed(String reason) {
        return CompletableFuture.failedFuture(new SendFailedException(peer, reason));
    }

    /** Writes a handshake frame outside the queue bound; the future completes once written. */
    CompletableFuture<Void> sendControl(Message m) {
        Link l = link;
        if (l == null) {
            return failed("not connected");
        }
        messagesOut.incrementAndGet();
        return l.write(MessageCodec.encode(m));
    }

    /** Writes GOODBYE behind what is queued; the link takes nothing after it. */
    CompletableFuture<Void> sendGoodbye(String reason) {
        Link l = link;
        if (l == null) {
            return failed("not connected");
        }
        messagesOut.incrementAndGet();
        return l.writeLast(MessageCodec.encode(new Message.Goodbye(reason)));
    }

    @Override
    public String toString() {
        return "Connection#" + id + "[" + direction + " " + (peer == null ? "?" : peer) + (reverse ? " reverse" : "") + "]";
    }
}
