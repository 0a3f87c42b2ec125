package org.peerpool.transport;

import java.net.InetSocketAddress;
import java.security.cert.Certificate;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

import org.apache.mina.core.session.AttributeKey;
import org.apache.mina.core.session.IoSession;
import org.apache.mina.filter.ssl.SslFilter;
import org.peerpool.pool.LinkSecurity;
import org.peerpool.tls.KeyPin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * MINA's {@link SslFilter} set up for peer links: TLS 1.3 only, a certificate from both
 * sides, one instance per session (its monitor guards one session, not all). It mends
 * what the stock filter gets wrong for us: it names the engine's peer by IP instead of
 * a reverse DNS lookup on the I/O thread; it runs the engine's tasks inline
 * ({@link InlineTaskEngine}); and it passes {@code sessionClosed} on even when closing
 * a failed engine throws, so the pool always hears of the close.
 */
public final class PeerSslFilter extends SslFilter {

    private static final Logger log = LoggerFactory.getLogger(PeerSslFilter.class);
    private static final AttributeKey LOCAL_PIN = new AttributeKey(PeerSslFilter.class, "localPin");
    private static final String[] PROTOCOLS = {"TLSv1.3"};

    private final KeyPin localPin;

    PeerSslFilter(SSLContext context, KeyPin localPin, boolean answering) {
        // Dialing: the handshake starts as the session opens. Answering: the filter joins an open session.
        super(context, answering);
        this.localPin = localPin;
    }

    /** Replaces the stock engine set-up, so the filter's own protocol and client-auth fields are not used. */
    @Override
    protected SSLEngine createEngine(IoSession session, InetSocketAddress addr) {
        SSLEngine engine = sslContext.createSSLEngine(addr.getAddress().getHostAddress(), addr.getPort());
        engine.setEnabledProtocols(PROTOCOLS);
        engine.setUseClientMode(!session.isServer());
        if (session.isServer()) {
            engine.setNeedClientAuth(true);
        }
        session.setAttribute(LOCAL_PIN, localPin);
        return new InlineTaskEngine(engine);
    }

    @Override
    public void sessionClosed(NextFilter next, IoSession session) throws Exception {
        try {
            onClose(next, session, false);
        } catch (SSLException | RuntimeException e) {
            log.debug("Closing TLS on {}: {}", session.getRemoteAddress(), e.toString());
        }
        next.sessionClosed(session);
    }

    /**
     * What protects {@code session} once its TLS handshake is done; plaintext for a
     * session without TLS.
     */
    public static LinkSecurity securityOf(IoSession session) {
        SSLSession tls = (SSLSession) session.getAttribute(SSL_SECURED);
        if (tls == null) {
            return LinkSecurity.PLAINTEXT;
        }
        KeyPin peer;
        try {
            Certificate[] certs = tls.getPeerCertificates();
            peer = KeyPin.of(certs[0]);
        } catch (SSLPeerUnverifiedException e) {
            peer = null;
        }
        return new LinkSecurity(tls.getProtocol(), tls.getCipherSuite(), peer, (KeyPin) session.getAttribute(LOCAL_PIN));
    }
}
