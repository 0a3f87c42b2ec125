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
import java.util.Enumeration;
import java.util.concurrent.atomic.AtomicLong;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;

import org.peerpool.tls.KeyPin;

/**
 * The benchmark's TLS initiator: blocking TLS 1.3 sockets that present a bench key and
 * accept the responder only if its key has the expected pin, as a node does. Either
 * each socket gets an SSLContext of its own ({@code fresh}: the cost of a context on
 * top of the handshake), or every socket comes from one context made once, as a node
 * makes one per key, with its session cache emptied before each socket so that every
 * sample is still the full handshake a node makes when it first dials a peer (a restart
 * dials every peer with an empty cache). {@link #fullHandshakes} counts the server
 * checks, which a resumed handshake skips: the proof that none was resumed.
 */
final class TlsClient {

    private final KeyManager[] keys;
    private final KeyPin serverPin;
    private final SSLContext shared;
    private final AtomicLong fullHandshakes = new AtomicLong();

    TlsClient(Path keystore, String password, KeyPin serverPin, boolean fresh) throws IOException, GeneralSecurityException {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            ks.load(in, password.toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, password.toCharArray());
        this.keys = kmf.getKeyManagers();
        this.serverPin = serverPin;
        this.shared = fresh ? null : context();
    }

    private SSLContext context() throws GeneralSecurityException {
        SSLContext ctx = SSLContext.getInstance("TLSv1.3");
        ctx.init(keys, new TrustManager[] {new PinTrust(serverPin, fullHandshakes)}, null);
        return ctx;
    }

    /** An unconnected TLS 1.3 socket; bind and connect it, then {@link SSLSocket#startHandshake()}. */
    SSLSocket socket() throws IOException {
        try {
            SSLContext ctx = shared != null ? shared : context();
            if (shared != null) {
                // Nothing to resume from: the next handshake is a full one, as after a restart.
                SSLSessionContext cache = ctx.getClientSessionContext();
                for (Enumeration<byte[]> ids = cache.getIds(); ids.hasMoreElements(); ) {
                    SSLSession s = cache.getSession(ids.nextElement());
                    if (s != null) {
                        s.invalidate();
                    }
                }
            }
            SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket();
            s.setEnabledProtocols(new String[] {"TLSv1.3"});
            return s;
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot make a TLS context", e);
        }
    }

    /** The one context of a client made with {@code fresh} false, for a MINA connector's SslFilter. */
    SSLContext sharedContext() {
        if (shared == null) {
            throw new IllegalStateException("a fresh-context client has no one context");
        }
        return shared;
    }

    /** Full handshakes so far: the server's key is checked on those only. */
    long fullHandshakes() {
        return fullHandshakes.get();
    }

    /** A client's trust in the server whose key has {@code pin}, and in nothing else. */
    static TrustManager serverTrust(KeyPin pin) {
        return new PinTrust(pin, new AtomicLong());
    }

    /** Trusts a server whose key has the pin, and nothing else; never a client (this side only dials). */
    private static final class PinTrust extends X509ExtendedTrustManager {
        private final KeyPin pin;
        private final AtomicLong checks;

        PinTrust(KeyPin pin, AtomicLong checks) {
            this.pin = pin;
            this.checks = checks;
        }

        private void check(X509Certificate[] chain) throws CertificateException {
            checks.incrementAndGet();
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
