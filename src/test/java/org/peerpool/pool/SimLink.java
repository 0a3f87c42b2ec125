package org.peerpool.pool;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketOption;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;

import org.peerpool.SendFailedException;
import org.peerpool.wire.Message;
import org.peerpool.wire.MessageCodec;
import org.peerpool.wire.NodeAddress;
import org.peerpool.wire.ProtocolViolationException;

/**
 * One end of a simulated TCP connection, as the pool sees it through {@link Link}: frames
 * written here arrive at the other end after a network delay, in order; a close reaches
 * the other end as end-of-stream after what was already in flight; a half-close lets the
 * other side read to the end and close, as the real transport does. Faults can stall one
 * direction (frames are held, the writer's queue grows) or cut the connection.
 */
final class SimLink implements Link {

    /** A frame on its way: its message and the writer's future, completed once it arrives. */
    private record InFlight(Message message, int bytes, CompletableFuture<Void> written) {
    }

    /**
     * With {@code -Dsim.closeReasons=true}: how often each close reason came up across all
     * seeds (numbers folded), printed at the end, to see which paths the runs reach.
     */
    static final Map<String, Integer> CLOSE_REASONS = Boolean.getBoolean("sim.closeReasons")
            ? new ConcurrentHashMap<>() : null;

    final SimNode node;
    final SimSocket socket;
    final boolean dialerEnd;
    SimLink other;
    /** The pool's connection of this end, once the transport reported the socket to the pool. */
    Connection connection;

    private final InetSocketAddress local;
    private final InetSocketAddress remote;
    private boolean open = true;
    private boolean closeRequested;
    private boolean outputShut;
    private boolean lastWritten;
    private boolean stalled;
    private final ArrayDeque<InFlight> held = new ArrayDeque<>();
    private long lastArrival;
    private long queued;
    private long bytesIn;
    private long bytesOut;
    /** Frames that arrived before the pool was told of this end: MINA reads nothing before sessionOpened. */
    private final ArrayDeque<Message> early = new ArrayDeque<>();
    private boolean reported;
    private long idleNanos;
    private long lastReadNanos;
    private SimWorld.Event idleCheck;
    LinkSecurity security = LinkSecurity.PLAINTEXT;
    boolean tlsPending;

    SimLink(SimNode node, SimSocket socket, boolean dialerEnd, InetSocketAddress local, InetSocketAddress remote) {
        this.node = node;
        this.socket = socket;
        this.dialerEnd = dialerEnd;
        this.local = local;
        this.remote = remote;
        this.lastReadNanos = node.world.now();
    }

    private SimWorld world() {
        return node.world;
    }

    /** True while this end may still do something: open, and not asked to close. */
    boolean alive() {
        return open && !closeRequested && (connection == null || !connection.isClosing());
    }

    boolean closeRequested() {
        return closeRequested;
    }

    // ---------------------------------------------------------------- Link

    @Override
    public InetSocketAddress remoteAddress() {
        return remote;
    }

    @Override
    public InetSocketAddress localAddress() {
        return local;
    }

    @Override
    public CompletableFuture<Void> write(ByteBuffer frame) {
        return send(frame, false);
    }

    @Override
    public CompletableFuture<Void> writeLast(ByteBuffer frame) {
        return send(frame, true);
    }

    private CompletableFuture<Void> send(ByteBuffer frame, boolean last) {
        if (!open || closeRequested || outputShut || lastWritten || tlsPending) {
            return CompletableFuture.failedFuture(new SendFailedException(peerAddress(), "link closed"));
        }
        lastWritten = last;
        ByteBuffer body = frame.duplicate();
        int bytes = body.remaining();
        body.position(body.position() + MessageCodec.HEADER_BYTES);
        Message m;
        try {
            m = MessageCodec.decode(body);
        } catch (ProtocolViolationException e) {
            throw new AssertionError("the pool wrote a frame it cannot read back: " + e.getMessage(), e);
        }
        CompletableFuture<Void> f = new CompletableFuture<>();
        queued += bytes;
        InFlight frameInFlight = new InFlight(m, bytes, f);
        if (stalled) {
            held.add(frameInFlight);
        } else {
            ship(frameInFlight);
        }
        return f;
    }

    private NodeAddress peerAddress() {
        return connection == null ? null : connection.peer();
    }

    private void ship(InFlight f) {
        long at = Math.max(world().now() + world().latencyNanos(), lastArrival);
        lastArrival = at;
        world().at(at, () -> {
            queued -= f.bytes;
            if (!open) {
                f.written.completeExceptionally(new SendFailedException(peerAddress(), "link closed"));
                return;
            }
            bytesOut += f.bytes;
            f.written.complete(null);
            other.arrive(f.message, f.bytes);
        }, null);
    }

    /** Runs {@code r} at the other end once what this end sent before has arrived (a TLS record, in order). */
    void inOrder(Runnable r) {
        long at = Math.max(world().now() + world().latencyNanos(), lastArrival);
        lastArrival = at;
        world().at(at, r, null);
    }

    /** Holds or releases this end's outgoing frames: a peer that stops reading, or starts again. */
    void stall(boolean on) {
        stalled = on;
        while (!stalled && !held.isEmpty()) {
            ship(held.poll());
        }
    }

    private void arrive(Message m, int bytes) {
        if (!open) {
            return;
        }
        bytesIn += bytes;
        lastReadNanos = world().now();
        if (!reported) {
            early.add(m);
            return;
        }
        node.deliver(this, m);
    }

    /** The transport told the pool of this end: frames read before now go to it, in order. */
    void reported(Connection c) {
        connection = c;
        reported = true;
        while (open && !early.isEmpty()) {
            node.deliver(this, early.poll());
        }
    }

    @Override
    public void readIdleSeconds(int seconds) {
        idleNanos = SimWorld.seconds(seconds);
        armIdle();
    }

    private void armIdle() {
        if (idleCheck != null || !open || idleNanos <= 0) {
            return;
        }
        idleCheck = world().at(lastReadNanos + idleNanos, () -> {
            idleCheck = null;
            if (!open) {
                return;
            }
            if (world().now() - lastReadNanos >= idleNanos) {
                lastReadNanos = world().now();
                node.events().onIdle(connection);
            }
            armIdle();
        }, null);
    }

    @Override
    public long queuedBytes() {
        return queued;
    }

    @Override
    public long bytesIn() {
        return bytesIn;
    }

    @Override
    public long bytesOut() {
        return bytesOut;
    }

    @Override
    public void closeAfterFlush() {
        if (!open) {
            return;
        }
        long at = Math.max(lastArrival, world().now());
        world().at(at, this::closeNow, null);
    }

    @Override
    public void shutdownOutput() {
        if (!open || outputShut) {
            return;
        }
        outputShut = true;
        long at = Math.max(world().now() + world().latencyNanos(), lastArrival);
        lastArrival = at;
        world().at(at, () -> other.endOfStream(), null);
    }

    /** The other end closed or half-closed: this end reads end-of-stream and closes, as MINA does. */
    private void endOfStream() {
        if (open) {
            finishClose();
        }
    }

    @Override
    public void closeNow() {
        if (!open || closeRequested) {
            return;
        }
        closeRequested = true;
        // MINA closes on its I/O thread, a moment after the call.
        world().afterMs(world().uniform(0.01, 0.5), () -> {
            if (open) {
                finishClose();
            }
        });
    }

    /** The socket is closed here: the pool hears of it, the other end reads end-of-stream. */
    void finishClose() {
        if (CLOSE_REASONS != null && connection != null) {
            CLOSE_REASONS.merge(String.valueOf(connection.closeReason()).replaceAll("[0-9]+", "N"), 1, Integer::sum);
        }
        open = false;
        failHeld();
        if (idleCheck != null) {
            idleCheck.cancelled = true;
            idleCheck = null;
        }
        if (!outputShut) {
            outputShut = true;
            long at = Math.max(world().now() + world().latencyNanos(), lastArrival);
            world().at(at, () -> other.endOfStream(), null);
        }
        if (connection != null) {
            node.events().onClosed(connection);
        }
        node.linkClosed(this);
    }

    /** The node vanished without a word (power cut): this end is gone, the other hears nothing. */
    void vanish() {
        open = false;
        failHeld();
        if (idleCheck != null) {
            idleCheck.cancelled = true;
        }
    }

    private void failHeld() {
        while (!held.isEmpty()) {
            InFlight f = held.poll();
            queued -= f.bytes;
            f.written.completeExceptionally(new SendFailedException(peerAddress(), "link closed"));
        }
    }

    @Override
    public <T> T socketOption(SocketOption<T> option) throws IOException {
        throw new IOException("no socket options in the simulator");
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public LinkSecurity security() {
        return security;
    }

    @Override
    public boolean tlsPending() {
        return tlsPending;
    }

    @Override
    public String toString() {
        return node.name + (dialerEnd ? " dialer end of " : " acceptor end of ") + socket;
    }
}
