package org.peerpool.transport;

import java.security.GeneralSecurityException;
import java.security.SecureRandom;

import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;

import org.apache.mina.filter.ssl.SslFilter;
import org.peerpool.tls.LocalKey;

/**
 * The two JSSE contexts of one local key: one to dial with (the responder's key must
 * match a pin of the dialed address) and one to answer with (any client key, checked
 * after the HANDSHAKE). A context is fixed to its key, so a new keystore means a new
 * {@code TlsContext}, used by new connections only.
 */
public final class TlsContext {

    private final LocalKey key;
    private final SSLContext dialing;
    private final SSLContext answering;

    private TlsContext(LocalKey key, SSLContext dialing, SSLContext answering) {
        this.key = key;
        this.dialing = dialing;
        this.answering = answering;
    }

    /** Contexts presenting {@code key}; a dial checks the responder against {@code pins}. */
    public static TlsContext create(LocalKey key, PinSource pins) throws GeneralSecurityException {
        KeyManager[] keys = key.keyManagers();
        SecureRandom random = new SecureRandom();
        SSLContext dialing = SSLContext.getInstance("TLSv1.3");
        dialing.init(keys, new TrustManager[] {new PinnedServerTrust(pins)}, random);
        SSLContext answering = SSLContext.getInstance("TLSv1.3");
        answering.init(keys, new TrustManager[] {new AnyClientTrust()}, random);
        return new TlsContext(key, dialing, answering);
    }

    public LocalKey key() {
        return key;
    }

    /** A filter for one dialed session; add it first in the chain. */
    public SslFilter dialFilter() {
        return new PeerSslFilter(dialing, key.pin(), false);
    }

    /** A filter for one accepted session that opened with a TLS record. */
    public SslFilter answerFilter() {
        return new PeerSslFilter(answering, key.pin(), true);
    }
}
