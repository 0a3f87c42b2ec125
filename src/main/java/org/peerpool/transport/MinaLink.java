package org.peerpool.transport;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketOption;
import java.nio.channels.NetworkChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.apache.mina.core.buffer.IoBuffer;
import org.apache.mina.core.future.WriteFuture;
import org.apache.mina.core.session.IoSession;
import org.apache.mina.transport.socket.nio.NioSession;
import org.peerpool.pool.Link;

/**
 * A {@link Link} over one MINA session that coalesces writes: while one buffer is
 * being written, later frames wait here and then go to MINA together as one buffer
 * (up to {@link #MAX_BATCH_BYTES}), so a burst of small frames costs a few syscalls
 * instead of one each. The first frame of a quiet connection goes out at once: this
 * adds no delay. Frames keep their order, and each one's future completes when the
 * buffer carrying it is written, or fails with it.
 */
final class MinaLink implements Link {

    /** The most bytes handed to MINA in one coalesced buffer (a larger single frame goes alone). */
    static final int MAX_BATCH_BYTES = 64 * 1024;

    private record Pending(IoBuffer frame, CompletableFuture<Void> done) {
    }

    private final IoSession session;
    private final Object writeLock = new Object();
    // Guarded by writeLock.
    private boolean writing;
    private ArrayDeque<Pending> waiting;
    private long waitingBytes;
    private boolean closeWhenFlushed;

    MinaLink(IoSession session) {
        this.session = session;
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
    public CompletableFuture<Void> write(IoBuffer frame) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        synchronized (writeLock) {
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
        hand(frame, List.of(done));
        return done;
    }

    private void hand(IoBuffer buffer, List<CompletableFuture<Void>> carried) {
        session.write(buffer).addListener(f -> written((WriteFuture) f, carried));
    }

    /** One buffer is done: settle its frames, then hand over what waited meanwhile. */
    private void written(WriteFuture w, List<CompletableFuture<Void>> carried) {
        if (w.isWritten()) {
            carried.forEach(f -> f.complete(null));
        } else {
            IOException failure = failure(w);
            carried.forEach(f -> f.completeExceptionally(failure));
        }
        IoBuffer next;
        List<CompletableFuture<Void>> nextCarried = new ArrayList<>();
        synchronized (writeLock) {
            if (!w.isWritten() && waiting != null) {
                // The connection is gone: nothing that waited behind this buffer can be written.
                IOException failure = failure(w);
                waiting.forEach(p -> p.done().completeExceptionally(failure));
                waiting.clear();
                waitingBytes = 0;
            }
            if (waiting == null || waiting.isEmpty()) {
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
        waitingBytes -= first.frame().remaining();
        carried.add(first.done());
        if (waiting.isEmpty() || first.frame().remaining() >= MAX_BATCH_BYTES) {
            return first.frame();
        }
        IoBuffer batch = IoBuffer.allocate((int) Math.min(MAX_BATCH_BYTES, first.frame().remaining() + waitingBytes));
        batch.put(first.frame());
        while (!waiting.isEmpty() && batch.remaining() >= waiting.peek().frame().remaining()) {
            Pending p = waiting.poll();
            waitingBytes -= p.frame().remaining();
            batch.put(p.frame());
            carried.add(p.done());
        }
        return batch.flip();
    }

    private IOException failure(WriteFuture w) {
        Throwable cause = w.getException();
        return new IOException("write to " + session.getRemoteAddress() + " failed: "
                + (cause == null ? "connection closed" : cause.getMessage()), cause);
    }

    @Override
    public long queuedBytes() {
        synchronized (writeLock) {
            return session.getScheduledWriteBytes() + waitingBytes;
        }
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
}
