package org.peerpool.transport;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.mina.core.service.IoHandlerAdapter;
import org.apache.mina.core.session.AbstractIoSession;
import org.apache.mina.core.session.AttributeKey;
import org.apache.mina.core.session.IdleStatus;
import org.apache.mina.core.session.IoSession;
import org.apache.mina.core.write.WriteRejectedException;
import org.apache.mina.core.write.WriteRequest;
import org.apache.mina.filter.FilterEvent;
import org.apache.mina.filter.ssl.SslEvent;
import org.apache.mina.core.write.WriteToClosedSessionException;
import org.peerpool.pool.Connection;
import org.peerpool.pool.TransportEvents;
import org.peerpool.wire.Message;
import org.peerpool.wire.ProtocolViolationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns MINA session events into calls on the pool, for accepted and dialed
 * sessions alike. Holds no state of its own beyond the session's {@link Connection},
 * and when it last printed the stack of an unexpected error.
 */
final class SessionHandler extends IoHandlerAdapter {

    static final AttributeKey CONNECTION = new AttributeKey(SessionHandler.class, "connection");
    private static final AttributeKey LINK = new AttributeKey(SessionHandler.class, "link");
    private static final AttributeKey INPUT_CLOSED = new AttributeKey(SessionHandler.class, "inputClosed");

    private static final Logger log = LoggerFactory.getLogger(SessionHandler.class);

    /** A peer may be able to trigger an unexpected error at will: its stack prints at most this often. */
    private static final long STACK_EVERY_NANOS = TimeUnit.MINUTES.toNanos(1);

    private final TransportEvents pool;
    private final AtomicLong lastStackNanos = new AtomicLong(System.nanoTime() - STACK_EVERY_NANOS);

    SessionHandler(TransportEvents pool) {
        this.pool = pool;
    }

    /**
     * MINA fails every queued write of a closed session except the one it was in the
     * middle of writing; fail that one too, so every send is settled one way or the other.
     * Returns that write, or null when none was in hand.
     */
    private static WriteRequest failUnfinishedWrite(IoSession session) {
        if (session instanceof AbstractIoSession s) {
            WriteRequest current = s.getCurrentWriteRequest();
            if (current != null) {
                current.getFuture().setException(new WriteToClosedSessionException(current));
            }
            return current;
        }
        return null;
    }

    static Connection connectionOf(IoSession session) {
        return (Connection) session.getAttribute(CONNECTION);
    }

    @Override
    public void sessionOpened(IoSession session) {
        session.getConfig().setIdleTime(IdleStatus.READER_IDLE, pool.config().idleTimeoutS());
        Connection c = connectionOf(session);
        MinaLink link = new MinaLink(session, () -> {
            Connection owner = connectionOf(session);
            return owner == null ? null : owner.peer();
        });
        session.setAttribute(LINK, link);
        if (c == null) {
            session.setAttribute(CONNECTION, pool.onAccepted(link));
        } else {
            pool.onDialConnected(c, link);
        }
    }

    @Override
    public void messageReceived(IoSession session, Object message) {
        Connection c = connectionOf(session);
        if (c != null && message instanceof Message m) {
            pool.onMessage(c, m);
        }
    }

    @Override
    public void sessionIdle(IoSession session, IdleStatus status) {
        Connection c = connectionOf(session);
        if (c != null && status == IdleStatus.READER_IDLE) {
            pool.onIdle(c);
        }
    }

    @Override
    public void event(IoSession session, FilterEvent event) {
        Connection c = connectionOf(session);
        if (c != null && event == SslEvent.SECURED) {
            pool.onSecured(c);
        }
    }

    @Override
    public void exceptionCaught(IoSession session, Throwable cause) {
        Connection c = connectionOf(session);
        if (c == null) {
            session.closeNow();
            return;
        }
        if (cause instanceof WriteRejectedException && session.isClosing()) {
            // TLS refusing what was queued as the session closes: the close itself reports it.
            return;
        }
        KeyMismatchException mismatch = KeyMismatchException.in(cause);
        if (mismatch != null) {
            pool.onKeyMismatch(c, mismatch.getMessage());
        } else if (cause instanceof ProtocolViolationException) {
            pool.onViolation(c, cause.getMessage());
        } else {
            if (!(cause instanceof IOException)) {
                long now = System.nanoTime();
                long last = lastStackNanos.get();
                if (now - last >= STACK_EVERY_NANOS && lastStackNanos.compareAndSet(last, now)) {
                    log.warn("Unexpected error on {} (further stacks at most once a minute)", session.getRemoteAddress(),
                            cause);
                } else {
                    log.debug("Unexpected error on {}: {}", session.getRemoteAddress(), cause.toString());
                }
            }
            pool.onError(c, cause);
        }
    }

    @Override
    public void inputClosed(IoSession session) {
        // Remembered so that a write left unfinished by the peer's FIN is not taken for a failed write.
        session.setAttribute(INPUT_CLOSED, Boolean.TRUE);
        session.closeNow();
    }

    @Override
    public void sessionClosed(IoSession session) {
        WriteRequest unfinished = failUnfinishedWrite(session);
        MinaLink link = (MinaLink) session.getAttribute(LINK);
        if (link != null) {
            link.closed();
        }
        Connection c = connectionOf(session);
        if (c == null) {
            return;
        }
        if (unfinished != null && !session.containsAttribute(INPUT_CLOSED)) {
            // MINA closes a session whose write fails (a reset, a broken pipe, a keepalive timeout) without
            // reporting the error: a write still in hand at the close is the only trace of it. Reported as
            // the I/O error it is; when the pool closed the session itself, its own reason stands.
            pool.onError(c, new IOException("write failed: the connection was reset or broken"));
        }
        pool.onClosed(c);
    }
}
