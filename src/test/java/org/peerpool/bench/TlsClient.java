package org.peerpool.bench;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;

import org.peerpool.tls.KeyPin;

/**
 * The benchmark's TLS initiator: blocking TLS 1.3 sockets that present a bench key and
 * accept the responder only if its key has the expected pin, as a node does. Each
 * socket gets an SSLContext of its own, so no session is ever resumed and every sample
 * is the full handshake a node makes when it first dials a peer.
 */
final class TlsClient {

    private final KeyManager[] keys;
    private final KeyPin serverPin;

    TlsClient(Path keystore, String password, KeyPin serverPin) throws IOException, GeneralSecurityException {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            ks.load(in, password.toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, password.toCharArray());
        this.keys = kmf.getKeyManagers();
        this.serverPin = serverPin;
    }

    /** An unconnected TLS 1.3 socket; bind and connect it, then {@link SSLSocket#startHandshake()}. */
    SSLSocket socket() throws IOException {
        try {
            SSLContext ctx = SSLContext.getInstance("TLSv1.3");
            ctx.init(keys, new TrustManager[] {new PinTrust(serverPin)}, null);
            SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket();
            s.setEnabledProtocols(new String[] {"TLSv1.3"});
            return s;
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot make a TLS context", e);
        }
    }

    /** Trusts a server whose key has the pin, and nothing else; never a client (this side only dials). */
    private static final class PinTrust extends X509ExtendedTrustManager {
        private final KeyPin pin;

        PinTrust(KeyPin pin) {
            this.pin = pin;
        }

        private void check(X509Certificate[] chain) throws CertificateException {
            if (chain == null || chain.length == 0 || !KeyPin.of(chain[0]).equals(pin)) {
                throw new CertificateException("server key does not match " + pin);
            }
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            check(chain);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            check(chain);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            check(chain);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("a bench client accepts no clients");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            throw new CertificateException("a bench client accepts no clients");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            throw new CertificateException("a bench client accepts no clients");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
