package org.peerpool.tls;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.peerpool.testing.Await;
import org.peerpool.testing.Keys;
import org.peerpool.testing.RawPeer;
import org.peerpool.testing.TestNet;
import org.peerpool.testing.TlsNodes;
import org.peerpool.wire.Message;
import org.peerpool.wire.NodeAddress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 18: a resumed TLS session does not skip the pin check (PROTOCOL.md section 7).
 * Node 1 dials 127.0.0.2, played by this test's TLS server with key n2, which node 1
 * pins. The pin is then replaced while the server keeps its key: node 1's redial resumes
 * its cached session (the server's trust manager, run on full handshakes only, is not
 * asked again: the proof a session was cached), and node 1 closes it as a key mismatch
 * before its HANDSHAKE, instead of trusting the resumed session.
 */
@Timeout(60)
class TlsResumptionTest {

    private static final Duration WAIT = Duration.ofSeconds(15);

    @TempDir
    Path dir;

    private TlsNodes nodes;
    private SSLServerSocket server;

    @BeforeAll
    static void keys() {
        Keys.prepare("n1", "n2", "n3");
    }

    @AfterEach
    void stop() throws IOException {
        if (nodes != null) {
            nodes.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void aResumedSessionIsCheckedAgainstThePinsInForce() throws Exception {
        nodes = new TlsNodes(dir, TestNet.freePort(2));
        NodeAddress two = nodes.address(2);
        AtomicInteger fullHandshakes = new AtomicInteger();
        server = listen(two, Keys.get("n2"), fullHandshakes);
        nodes.installKey(1, Keys.get("n1"));
        nodes.save(1, new TlsNodes.Text(nodes.address(1)).peer(two, Keys.get("n2").pin()).tls("required"));
        nodes.startAll(1);

        try (RawPeer first = RawPeer.accept(server)) {
            Message m = first.read();
            assertTrue(m instanceof Message.Handshake, "node 1 handshakes over the pinned key: " + m);
            first.send(new Message.HandshakeAck(true, "127.0.0.1", two.toString(), ""));
            Await.until(WAIT, () -> nodes.agent(1).pool().isConnected(two), "connected");
            assertEquals(1, fullHandshakes.get());

            long reloads = nodes.reloads(1);
            nodes.save(1, new TlsNodes.Text(nodes.address(1)).peer(two, Keys.get("n3").pin()).tls("required"));
            nodes.awaitReload(1, reloads, WAIT);
            Await.until(WAIT, () -> !nodes.agent(1).pool().isConnected(two), "the link on the old pin closed");
        }
        try (RawPeer second = RawPeer.accept(server)) {
            assertNull(readOrNull(second), "node 1 sends nothing over a session whose key no pin names");
        }
        assertEquals(1, fullHandshakes.get(), "the second handshake resumed the cached session");
        Await.until(WAIT, () -> ((Number) nodes.pool(1, "KeyMismatches")).longValue() >= 1, "counted");
    }

    private static Message readOrNull(RawPeer p) {
        try {
            return p.read();
        } catch (IOException closed) {
            // An abrupt close of a TLS socket (no close_notify) reads as an error, not as EOF.
            return null;
        }
    }

    /** A TLS 1.3 server with {@code key}, asking for client keys and counting full handshakes. */
    private static SSLServerSocket listen(NodeAddress at, Keys.Key key, AtomicInteger fullHandshakes) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("node", key.privateKey(), key.password().toCharArray(), new Certificate[] {key.certificate()});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, key.password().toCharArray());
        X509TrustManager counting = new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
                fullHandshakes.incrementAndGet();
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        };
        SSLContext ctx = SSLContext.getInstance("TLSv1.3");
        ctx.init(kmf.getKeyManagers(), new TrustManager[] {counting}, null);
        SSLServerSocket s = (SSLServerSocket) ctx.getServerSocketFactory().createServerSocket();
        s.setReuseAddress(true);
        s.setNeedClientAuth(true);
        s.setEnabledProtocols(new String[] {"TLSv1.3"});
        s.bind(new InetSocketAddress(at.ip(), at.port()));
        s.setSoTimeout(15_000);
        return s;
    }
}
