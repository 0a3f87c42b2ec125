package org.peerpool.tls;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.peerpool.testing.Await;
import org.peerpool.pool.ConnectionPool;
import org.peerpool.testing.Keys;
import org.peerpool.testing.LogCapture;
import org.peerpool.testing.RawPeer;
import org.peerpool.testing.TestNet;
import org.peerpool.testing.TlsNodes;
import org.peerpool.testing.TlsWire;
import org.peerpool.wire.Message;
import org.peerpool.wire.NodeAddress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Issue 11, item 3: what a node refuses. Three responders wait for 127.0.0.1, whose key
 * they pin: node 2 in {@code required}, node 4 in {@code optional}, node 3 with TLS
 * {@code off}. A hand-driven client then plays 127.0.0.1 with the wrong key, in
 * plaintext, with a bare ClientHello and with no certificate; and a real initiator dials
 * a responder whose key is not the one it pinned.
 */
@Timeout(60)
class TlsRejectionTest {

    /** Every wait is for something that must happen; generous, as the machine may be loaded. */
    private static final Duration WAIT = Duration.ofSeconds(15);

    private static final int REQUIRED = 2;
    private static final int OFF = 3;
    private static final int OPTIONAL = 4;

    @TempDir
    Path dir;

    private TlsNodes nodes;
    private NodeAddress one;

    @BeforeAll
    static void keys() {
        Keys.prepare("n1", "n2", "n3", "n4", "stranger");
    }

    @BeforeEach
    void responders() throws Exception {
        nodes = new TlsNodes(dir, TestNet.freePort(4));
        one = nodes.address(1);
        String pin = Keys.get("n1").pin();
        nodes.installKey(REQUIRED, Keys.get("n2"));
        nodes.installKey(OPTIONAL, Keys.get("n4"));
        nodes.save(REQUIRED, new TlsNodes.Text(nodes.address(REQUIRED)).peer(one, pin).tls("required"));
        nodes.save(OPTIONAL, new TlsNodes.Text(nodes.address(OPTIONAL)).peer(one, pin).tls("optional"));
        nodes.save(OFF, new TlsNodes.Text(nodes.address(OFF)).peer(one, pin));
        nodes.startAll(REQUIRED, OFF, OPTIONAL);
    }

    @AfterEach
    void stop() {
        nodes.close();
    }

    @Test
    void aClientWithAnUnpinnedKeyClaimingAPinnedAddressGetsKeyMismatch() throws Exception {
        for (int node : new int[] {REQUIRED, OPTIONAL}) {
            NodeAddress target = nodes.address(node);
            try (TlsWire.Client c = TlsWire.connect(TestNet.ip(1), target, Keys.get("stranger"))) {
                assertEquals(Keys.get("n" + node).pin(), c.serverPin(), "the node presents its own key");
                assertTrue(c.session().getProtocol().equals("TLSv1.3"), c.session().getProtocol());
                Message m = c.handshakeAs(one);
                assertTrue(m instanceof Message.HandshakeAck a && !a.accepted() && a.reason().startsWith("key mismatch"),
                        "node " + node + " answers the wrong key with key mismatch: " + m);
                assertNull(c.read(), "then closes");
            }
            assertEquals(1L, nodes.pool(node, "KeyMismatches"), "counted on node " + node);
            assertFalse(nodes.agent(node).pool().isConnected(one));

            // The control: the pinned key gets in, so the refusal above was about the key.
            try (TlsWire.Client c = TlsWire.connect(TestNet.ip(1), target, Keys.get("n1"))) {
                Message m = c.handshakeAs(one);
                assertTrue(m instanceof Message.HandshakeAck a && a.accepted(), "the pinned key is accepted: " + m);
                Await.until(WAIT, () -> nodes.agent(node).pool().isConnected(one), "connected");
                assertEquals(Keys.get("n1").pin(), nodes.peer(node, 1, "PeerKeyPin"));
            }
        }
    }

    @Test
    void aPlaintextHandshakeToARequiredNodeGetsKeyMismatch() throws Exception {
        try (RawPeer p = RawPeer.connect(TestNet.ip(1), nodes.address(REQUIRED))) {
            Message.HandshakeAck ack = p.handshakeAs(one);
            assertFalse(ack.accepted(), "refused: " + ack);
            assertTrue(ack.reason().startsWith("key mismatch"), ack.reason());
            assertTrue(p.awaitClosed(WAIT), "and closed");
        }
        assertEquals(1L, nodes.pool(REQUIRED, "KeyMismatches"));
        // Under optional the same plaintext HANDSHAKE is let in: the peer may not have this node's pin yet.
        try (RawPeer p = RawPeer.connect(TestNet.ip(1), nodes.address(OPTIONAL))) {
            Message.HandshakeAck ack = p.handshakeAs(one);
            assertTrue(ack.accepted(), "optional takes plaintext from a pinned peer: " + ack);
        }
    }

    @Test
    void aClientHelloToANodeWithTlsOffIsClosedWithoutAnAnswer() throws Exception {
        try (LogCapture log = LogCapture.warnings(ConnectionPool.class)) {
            for (int source : new int[] {1, 1, 1, 7}) {
                assertEquals(-1, helloToOffNode(TestNet.ip(source)),
                        "no byte back (a TLS alert or ServerHello would start 0x15 or 0x16), then EOF");
            }
            String prefix = nodes.address(OFF) + " - ";
            Await.until(WAIT, () -> linesFrom(log, prefix, "127.0.0.7") == 1, () -> "" + log.messages());
            assertEquals(1, linesFrom(log, prefix, "127.0.0.1"), () -> "logged once per source IP: " + log.messages());
        }
        // And a plaintext node stays one: the same node takes a plaintext HANDSHAKE at once.
        try (RawPeer p = RawPeer.connect(TestNet.ip(1), nodes.address(OFF))) {
            assertTrue(p.handshakeAs(one).accepted(), "plaintext still welcome");
        }
    }

    /** Sends a bare ClientHello to the off node from {@code source}: the first byte back, -1 for EOF or reset. */
    private int helloToOffNode(java.net.InetAddress source) throws IOException {
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress(source, 0));
            s.connect(nodes.address(OFF).toSocketAddress(), (int) WAIT.toMillis());
            s.getOutputStream().write(TlsWire.clientHello());
            s.getOutputStream().flush();
            s.setSoTimeout((int) WAIT.toMillis());
            InputStream in = s.getInputStream();
            try {
                return in.read();
            } catch (SocketTimeoutException e) {
                fail("the off node neither answered nor closed within " + WAIT.toSeconds() + " s");
                return 0;
            } catch (SocketException e) {
                return -1; // reset: closed, and nothing was sent back
            }
        }
    }

    private static long linesFrom(LogCapture log, String prefix, String ip) {
        return log.messages().stream().filter(m -> m.startsWith(prefix) && m.contains("/" + ip + ":")).count();
    }

    @Test
    void aTlsClientWithNoCertificateIsRefused() throws Exception {
        Message answer = null;
        String how;
        try (TlsWire.Client c = TlsWire.connect(TestNet.ip(1), nodes.address(REQUIRED), null)) {
            // In TLS 1.3 the client may finish its side before the node judges its (empty) Certificate.
            answer = c.handshakeAs(one);
            how = answer == null ? "closed after the TLS handshake" : "answered " + answer;
        } catch (IOException e) {
            how = "TLS failed: " + e; // the node failed the TLS handshake: refused
        }
        System.out.println("a client without a certificate: " + how);
        if (answer != null) {
            assertTrue(answer instanceof Message.HandshakeAck a && !a.accepted(),
                    "a client without a certificate must not get in: " + answer);
        }
        assertFalse(nodes.agent(REQUIRED).pool().isConnected(one), "no connection for it");
        assertEquals(0, nodes.pool(REQUIRED, "ConnectionCount"));
    }

    @Test
    void aResponderPresentingTheWrongKeyMakesTheInitiatorAbort() throws Exception {
        try (TlsNodes pair = new TlsNodes(dir.resolve("pair"), TestNet.freePort(2))) {
            // Node 1 pins a stranger's key for node 2, which really holds n2.
            pair.installKey(1, Keys.get("n1"));
            pair.installKey(2, Keys.get("n2"));
            pair.save(1, new TlsNodes.Text(pair.address(1)).peer(pair.address(2), Keys.get("stranger").pin())
                    .tls("required"));
            pair.save(2, new TlsNodes.Text(pair.address(2)).peer(pair.address(1), Keys.get("n1").pin())
                    .tls("required"));
            pair.startAll(1, 2);
            Await.until(WAIT, () -> (Long) pair.pool(1, "KeyMismatches") >= 1
                            && ((String) pair.peer(1, 2, "LastError")).startsWith("key mismatch"),
                    () -> "initiator counted the mismatch: KeyMismatches " + pair.pool(1, "KeyMismatches")
                            + ", LastError '" + pair.peer(1, 2, "LastError") + "'");
            assertEquals(0, pair.pool(1, "ConnectionCount"));
            assertEquals(0, pair.pool(2, "ConnectionCount"));
            assertNotNull(pair.peer(1, 2, "FailedAttempts"));
            assertTrue((Integer) pair.peer(1, 2, "FailedAttempts") >= 1, "a failed attempt, with backoff");
            // The initiator aborted inside TLS: node 2 never got a HANDSHAKE it could refuse.
            assertEquals(0L, pair.pool(2, "KeyMismatches"), "the responder judged no HANDSHAKE");
        }
    }

    @Test
    void underAcceptUnknownPeersAnUnlistedPeerMayComeOverTlsWithAnyKeyButNotInPlaintext() throws Exception {
        try (TlsNodes open = new TlsNodes(dir.resolve("open"), TestNet.freePort(5))) {
            open.installKey(5, Keys.get("n4"));
            open.save(5, new TlsNodes.Text(open.address(5)).peer(open.address(1), Keys.get("n1").pin())
                    .security("accept_unknown_peers = true").tls("required"));
            open.startAll(5);
            NodeAddress stranger = open.address(2);
            try (TlsWire.Client c = TlsWire.connect(TestNet.ip(2), open.address(5), Keys.get("stranger"))) {
                Message m = c.handshakeAs(stranger);
                assertTrue(m instanceof Message.HandshakeAck a && a.accepted(),
                        "an unlisted lower peer over TLS, any key: " + m);
                Await.until(WAIT, () -> open.agent(5).pool().isConnected(stranger), "connected");
                // The bean of a peer the node did not list comes with its ADDED event, on the event thread.
                Await.until(WAIT, () -> open.hasPeerBean(5, 2), "the unlisted peer's bean");
                assertEquals(Keys.get("stranger").pin(), open.peer(5, 2, "PeerKeyPin"));
                assertEquals(false, open.peer(5, 2, "Configured"));
            }
            try (RawPeer p = RawPeer.connect(TestNet.ip(3), open.address(5))) {
                Message.HandshakeAck ack = p.handshakeAs(open.address(3));
                assertFalse(ack.accepted(), "plaintext is still refused under required: " + ack);
                assertTrue(ack.reason().startsWith("key mismatch"), ack.reason());
            }
            // A listed, pinned address is still held to its pin.
            try (TlsWire.Client c = TlsWire.connect(TestNet.ip(1), open.address(5), Keys.get("stranger"))) {
                Message m = c.handshakeAs(open.address(1));
                assertTrue(m instanceof Message.HandshakeAck a && !a.accepted() && a.reason().startsWith("key mismatch"),
                        "a pinned address with the wrong key: " + m);
            }
        }
    }
}
