package org.peerpool.transport;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketOption;
import java.nio.channels.NetworkChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.CompletableFuture;

import org.apache.mina.core.buffer.IoBuffer;
import org.apache.mina.core.future.WriteFuture;
import org.apache.mina.core.session.IoSession;
import org.apache.mina.transport.socket.nio.NioSession;
import org.peerpool.pool.Link;

/** A {@link Link} over one MINA session. */
final class MinaLink implements Link {

    private final IoSession session;

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
        WriteFuture wf = session.write(frame);
        wf.addListener(f -> {
            WriteFuture w = (WriteFuture) f;
            if (w.isWritten()) {
                done.complete(null);
            } else {
                done.completeExceptionally(new java.io.IOException("write to " + session.getRemoteAddress()
                        + " failed: " + (w.getException() == null ? "connection closed" : w.getException().getMessage()),
                        w.getException()));
            }
        });
        return done;
    }

    @Override
    public long queuedBytes() {
        return session.getScheduledWriteBytes();
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
