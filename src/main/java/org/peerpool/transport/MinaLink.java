package org.peerpool.transport;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketOption;
import java.nio.ByteBuffer;
import java.nio.channels.NetworkChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

import org.apache.mina.core.buffer.IoBuffer;
import org.apache.mina.core.future.WriteFuture;
import org.apache.mina.core.session.IdleStatus;
import org.apache.mina.core.session.IoSession;
import org.apache.mina.filter.ssl.SslFilter;
import org.apache.mina.transport.socket.nio.NioSession;
import org.peerpool.SendFailedException;
import org.peerpool.pool.Link;
import org.peerpool.pool.LinkSecurity;
import org.peerpool.wire.NodeAddress;

/**
 * A {@link Link} over one MINA session that coalesces writes: while one buffer is
 * being written, later frames wait here and then go to MINA together as one buffer
 * (up to {@link #MAX_BATCH_BYTES}), so a burst of small frames costs a few syscalls
 * instead of one each. The first frame of a quiet connection goes out at once: this
 * adds no delay. Frames keep their order, and each one's future completes when the
 * buffer carrying it is written, or fails with a {@link SendFailedException}.
 *
 * <p>No future is completed while {@code writeLock} is held, and a failure found on
 * the writing thread settles only the frames that thread handed over: frames that
 * others queued meanwhile are failed by {@link #closed()} on the I/O thread, so a
 * caller of {@link #write} (the pool, under its lock) never runs another caller's
 * callbacks.
 */
final class MinaLink implements Link {

    /** The most bytes handed to MINA in one coalesced buffer (a larger single frame goes alone). */
    static final int MAX_BATCH_BYTES = 64 * 1024;

    private record Pending(ByteBuffer frame, CompletableFuture<Void> done) {
    }

    private final IoSession session;
    private final Supplier<NodeAddress> peer;
    private final Object writeLock = new Object();
    private volatile LinkSecurity security;
    // Guarded by writeLock.
    private boolean writing;
    private ArrayDeque<Pending> waiting;
    private boolean closeWhenFlushed;
    /** GOODBYE is queued: nothing more may be. */
    private boolean sealed;
    /** The session is closed: every write fails at once. */
    private boolean closed;
    // Written under writeLock, read without it.
    private volatile long waitingBytes;

    /** @param peer the peer's address for failure messages (null while an inbound one is unidentified) */
    MinaLink(IoSession session, Supplier<NodeAddress> peer) {
        this.session = session;
        this.peer = peer;
    }

    IoSession session() {
        return session;
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return (InetSocketAddress) session.getRemoteAddress();
    }

    @Override
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) session.getLocalAddress();
    }

    @Override
    public CompletableFuture<Void> write(ByteBuffer frame) {
        return enqueue(frame, false);
    }

    @Override
    public CompletableFuture<Void> writeLast(ByteBuffer frame) {
        return enqueue(frame, true);
    }

    private CompletableFuture<Void> enqueue(ByteBuffer frame, boolean last) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        String refused = null;
        synchronized (writeLock) {
            if (closed) {
                refused = "connection closed";
            } else if (sealed) {
                refused = "connection closing: nothing is sent after its GOODBYE";
            } else {
                sealed = last;
                if (writing) {
                    if (waiting == null) {
                        waiting = new ArrayDeque<>();
                    }
                    waiting.add(new Pending(frame, done));
                    waitingBytes += frame.remaining();
                    return done;
                }
                writing = true;
            }
        }
        if (refused != null) {
            done.completeExceptionally(failure(refused, null));
            return done;
        }
        hand(IoBuffer.wrap(frame), List.of(done));
        return done;
    }

    private void hand(IoBuffer buffer, List<CompletableFuture<Void>> carried) {
        session.write(buffer).addListener(f -> written((WriteFuture) f, carried));
    }

    /** One buffer is done: settle its frames, then hand over what waited meanwhile. */
    private void written(WriteFuture w, List<CompletableFuture<Void>> carried) {
        if (!w.isWritten()) {
            // The session is going: what waits behind this buffer is failed by closed(), on the I/O thread.
            SendFailedException failure = failure("connection lost", w.getException());
            carried.forEach(f -> f.completeExceptionally(failure));
            return;
        }
        carried.forEach(f -> f.complete(null));
        IoBuffer next;
        List<CompletableFuture<Void>> nextCarried = new ArrayList<>();
        synchronized (writeLock) {
            if (closed || waiting == null || waiting.isEmpty()) {
                writing = false;
                waiting = null;
                if (closeWhenFlushed) {
                    session.closeOnFlush();
                }
                return;
            }
            next = takeBatch(nextCarried);
        }
        hand(next, nextCarried);
    }

    /** Joins waiting frames, oldest first, into one buffer of at most MAX_BATCH_BYTES (or one larger frame). */
    private IoBuffer takeBatch(List<CompletableFuture<Void>> carried) {
        Pending first = waiting.poll();
        long left = waitingBytes - first.frame().remaining();
        carried.add(first.done());
        if (waiting.isEmpty() || first.frame().remaining() >= MAX_BATCH_BYTES) {
            waitingBytes = left;
            return IoBuffer.wrap(first.frame());
        }
        IoBuffer batch = IoBuffer.allocate((int) Math.min(MAX_BATCH_BYTES, first.frame().remaining() + left));
        batch.put(first.frame());
        while (!waiting.isEmpty() && batch.remaining() >= waiting.peek().frame().remaining()) {
            Pending p = waiting.poll();
            left -= p.frame().remaining();
            batch.put(p.frame());
            carried.add(p.done());
        }
        waitingBytes = left;
        return batch.flip();
    }

    /** The session has closed (MINA's sessionClosed): fail every frame still waiting here. */
    void closed() {
        ArrayDeque<Pending> left;
        synchronized (writeLock) {
            closed = true;
            left = waiting;
            waiting = null;
            waitingBytes = 0;
        }
        if (left != null) {
            SendFailedException failure = failure("connection lost", null);
            left.forEach(p -> p.done().completeExceptionally(failure));
        }
    }

    private SendFailedException failure(String what, Throwable cause) {
        String detail = cause == null || cause.getMessage() == null ? "" : ": " + cause.getMessage();
        return new SendFailedException(peer.get(), what + " (" + session.getRemoteAddress() + ")" + detail, cause);
    }

    @Override
    public long queuedBytes() {
        return session.getScheduledWriteBytes() + waitingBytes;
    }

    @Override
    public void readIdleSeconds(int seconds) {
        session.getConfig().setIdleTime(IdleStatus.READER_IDLE, seconds);
    }

    @Override
    public long bytesIn() {
        return session.getReadBytes();
    }

    @Override
    public long bytesOut() {
        return session.getWrittenBytes();
    }

    @Override
    public void closeAfterFlush() {
        synchronized (writeLock) {
            if (writing) {
                // Frames still wait here; MINA is told to close once they have reached it and left.
                closeWhenFlushed = true;
                return;
            }
        }
        session.closeOnFlush();
    }

    @Override
    public void shutdownOutput() {
        if (session instanceof NioSession nio && nio.getChannel() instanceof SocketChannel ch) {
            try {
                ch.shutdownOutput();
                return;
            } catch (IOException e) {
                // already closed or reset: close for good below
            }
        }
        session.closeNow();
    }

    @Override
    public void closeNow() {
        session.closeNow();
    }

    @Override
    public <T> T socketOption(SocketOption<T> option) throws IOException {
        if (session instanceof NioSession nio && nio.getChannel() instanceof NetworkChannel ch) {
            return ch.getOption(option);
        }
        throw new IOException("not a socket session: " + session);
    }

    @Override
    public boolean isOpen() {
        return session.isConnected();
    }

    @Override
    public LinkSecurity security() {
        LinkSecurity s = security;
        if (s == null) {
            if (session.getAttribute(SslFilter.SSL_SECURED) == null) {
                return LinkSecurity.PLAINTEXT;
            }
            // Read once the handshake is done; the SSL session stays as it is from then on.
            s = PeerSslFilter.securityOf(session);
            security = s;
        }
        return s;
    }

    @Override
    public boolean tlsPending() {
        return session.getFilterChain().contains(SslFilter.class) && session.getAttribute(SslFilter.SSL_SECURED) == null;
    }
}
