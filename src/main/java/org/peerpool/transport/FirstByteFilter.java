package org.peerpool.transport;

import java.util.function.Function;

import org.apache.mina.core.buffer.IoBuffer;
import org.apache.mina.core.filterchain.IoFilterAdapter;
import org.apache.mina.core.filterchain.IoFilterChain;
import org.apache.mina.core.session.IoSession;
import org.apache.mina.filter.ssl.SslFilter;
import org.peerpool.pool.Connection;

/**
 * Tells TLS from plaintext on the shared listen port (PROTOCOL.md section 7) by an
 * accepted connection's first byte: {@code 0x16}, a TLS handshake record, puts an
 * answering {@link SslFilter} behind it, if the pool takes TLS; anything else goes on
 * as plaintext, where the frame decoder judges it. Either way it then leaves the chain,
 * so established traffic never passes it.
 */
final class FirstByteFilter extends IoFilterAdapter {

    static final String NAME = "first-byte";
    static final String TLS = "tls";
    private static final byte TLS_HANDSHAKE_RECORD = 0x16;

    /** The answering filter for a connection that offered TLS, or null when the pool has closed it. */
    private final Function<Connection, SslFilter> answer;

    FirstByteFilter(Function<Connection, SslFilter> answer) {
        this.answer = answer;
    }

    @Override
    public void messageReceived(NextFilter next, IoSession session, Object message) throws Exception {
        IoFilterChain chain = session.getFilterChain();
        if (!(message instanceof IoBuffer buf) || !buf.hasRemaining()) {
            next.messageReceived(session, message);
            return;
        }
        if (buf.get(buf.position()) == TLS_HANDSHAKE_RECORD) {
            Connection c = SessionHandler.connectionOf(session);
            SslFilter tls = c == null ? null : answer.apply(c);
            if (tls == null) {
                // TLS is off: closed without an answer; the pool has logged it.
                session.closeNow();
                return;
            }
            chain.addAfter(NAME, TLS, tls);
        }
        chain.remove(this);
        next.messageReceived(session, message);
    }
}
