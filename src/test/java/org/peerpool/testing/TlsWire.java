package org.peerpool.testing;

import java.io.Closeable;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

import org.peerpool.wire.Message;
import org.peerpool.wire.MessageCodec;
import org.peerpool.wire.NodeAddress;
import org.peerpool.wire.ProtocolViolationException;

/**
 * Raw TLS client pieces for playing a peer, honest or not, against a real node: a
 * TLS 1.3 client socket from a chosen loopback source that presents a chosen key (or
 * none) and trusts whatever the node presents, and the bytes of a bare ClientHello
 * for floods and for probing a node whose TLS is off.
 */
public final class TlsWire {

    private static volatile byte[] clientHello;

    private TlsWire() {
    }

    /** A TLS 1.3 context presenting {@code key} (null: no client certificate) and trusting any server. */
    public static SSLContext context(Keys.Key key) {
        try {
            KeyManager[] kms = null;
            if (key != null) {
                KeyStore ks = KeyStore.getInstance("PKCS12");
                ks.load(null, null);
                ks.setKeyEntry("node", key.privateKey(), key.password().toCharArray(),
                        new Certificate[] {key.certificate()});
                KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(ks, key.password().toCharArray());
                kms = kmf.getKeyManagers();
            }
            SSLContext ctx = SSLContext.getInstance("TLSv1.3");
            ctx.init(kms, new TrustManager[] {new TrustAll()}, null);
            return ctx;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The first TLS record a client sends: a ClientHello (record type 0x16). Made once by
     * an SSLEngine and reused; a node cannot tell a replayed hello from a fresh one
     * before it has done the work of answering it, which is what a flood wants.
     */
    public static byte[] clientHello() {
        byte[] hello = clientHello;
        if (hello == null) {
            try {
                SSLEngine engine = context(null).createSSLEngine();
                engine.setUseClientMode(true);
                engine.setEnabledProtocols(new String[] {"TLSv1.3"});
                ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
                SSLEngineResult r = engine.wrap(ByteBuffer.allocate(0), out);
                if (r.getStatus() != SSLEngineResult.Status.OK || out.position() == 0) {
                    throw new IllegalStateException("no ClientHello: " + r);
                }
                hello = new byte[out.flip().remaining()];
                out.get(hello);
                if (hello[0] != 0x16) {
                    throw new IllegalStateException("not a handshake record: " + hello[0]);
                }
                clientHello = hello;
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
        return hello.clone();
    }

    /**
     * Connects from {@code source} to {@code target} and completes a TLS 1.3 handshake
     * presenting {@code key} (null: none). The handshake's own failure is thrown.
     */
    public static Client connect(InetAddress source, NodeAddress target, Keys.Key key) throws IOException {
        Socket plain = new Socket();
        plain.setReuseAddress(true);
        plain.bind(new InetSocketAddress(source, 0));
        plain.connect(target.toSocketAddress(), 5000);
        plain.setSoTimeout(5000);
        SSLSocket s = (SSLSocket) context(key).getSocketFactory()
                .createSocket(plain, NodeAddress.ipText(target.ip()), target.port(), true);
        s.setEnabledProtocols(new String[] {"TLSv1.3"});
        s.setUseClientMode(true);
        try {
            s.startHandshake();
        } catch (IOException e) {
            s.close();
            throw e;
        }
        return new Client(s);
    }

    /** Frames over an established TLS socket, as {@link RawPeer} has them over a plain one. */
    public static final class Client implements Closeable {
        private final SSLSocket socket;
        private final DataInputStream in;
        private final OutputStream out;

        Client(SSLSocket socket) throws IOException {
            this.socket = socket;
            this.in = new DataInputStream(socket.getInputStream());
            this.out = socket.getOutputStream();
        }

        public SSLSession session() {
            return socket.getSession();
        }

        /** The pin of the key the node presented, computed by the test's own formula. */
        public String serverPin() throws IOException {
            return Keys.pinOf((X509Certificate) socket.getSession().getPeerCertificates()[0]);
        }

        public void send(Message m) throws IOException {
            ByteBuffer b = MessageCodec.encode(m);
            byte[] bytes = new byte[b.remaining()];
            b.get(bytes);
            out.write(bytes);
            out.flush();
        }

        /** Sends HANDSHAKE as {@code me}; the answer, or null if the node closed first. */
        public Message handshakeAs(NodeAddress me) throws IOException {
            send(new Message.Handshake(1, me.toString(), null));
            return read();
        }

        /** The next frame, or null at end of stream (TLS close or TCP close alike). */
        public Message read() throws IOException {
            int length;
            try {
                length = in.readInt();
            } catch (EOFException | SocketException e) {
                return null;
            }
            byte[] body = new byte[length];
            in.readFully(body);
            try {
                return MessageCodec.decode(ByteBuffer.wrap(body));
            } catch (ProtocolViolationException e) {
                throw new IOException("node sent a bad frame: " + e.getMessage(), e);
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    /** A trust manager that takes any server, for a client whose test is the node's checks. */
    public static TrustManager trustAny() {
        return new TrustAll();
    }

    /** The test client's side checks nothing: what it tests is the node's checks. */
    private static final class TrustAll implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
