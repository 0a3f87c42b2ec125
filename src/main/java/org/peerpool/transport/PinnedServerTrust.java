package org.peerpool.transport;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Set;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

import org.peerpool.pool.SecurityRules;
import org.peerpool.tls.KeyPin;

/**
 * The initiator's trust: the responder's key must match a pin of the address this node
 * dialed, which the engine carries as its peer host and port. No CA, name or validity
 * date is looked at: a pin is the whole of the trust (PROTOCOL.md section 7).
 */
final class PinnedServerTrust extends X509ExtendedTrustManager {

    private final PinSource pins;

    PinnedServerTrust(PinSource pins) {
        this.pins = pins;
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        if (chain == null || chain.length == 0) {
            throw new CertificateException("the responder presented no certificate");
        }
        String host = engine.getPeerHost();
        int port = engine.getPeerPort();
        Set<KeyPin> expected = pins.pinsOf(host, port);
        KeyPin presented = KeyPin.of(chain[0]);
        if (!expected.contains(presented)) {
            throw new KeyMismatchException(SecurityRules.KEY_MISMATCH + ": " + host + ":" + port + " presented " + presented
                    + (expected.isEmpty() ? ", and it has no pin" : ", expected " + String.join(" or ",
                    expected.stream().map(KeyPin::text).toList())));
        }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        throw new CertificateException("peerpool's TLS runs on SSLEngine only");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("peerpool's TLS runs on SSLEngine only");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        throw new CertificateException("this context only dials");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        throw new CertificateException("this context only dials");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("this context only dials");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
    }
}
