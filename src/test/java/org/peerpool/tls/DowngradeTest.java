package org.peerpool.tls;

import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.peerpool.testing.Await;
import org.peerpool.testing.Keys;
import org.peerpool.testing.RawPeer;
import org.peerpool.testing.TestNet;
import org.peerpool.testing.TlsNodes;
import org.peerpool.testing.TlsWire;
import org.peerpool.wire.Message;
import org.peerpool.wire.NodeAddress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 18: no downgrade under {@code optional} (PROTOCOL.md sections 4 and 7). Node 4
 * pins 127.0.0.1's key in {@code optional}. Once 127.0.0.1 has connected over TLS with
 * that key, a plaintext HANDSHAKE claiming it (another program on that host, anyone on
 * the path) is refused with {@code downgrade refused} and the TLS link stays, with its
 * connection id and 4-tuple; it stays refused after the TLS link is gone, until the
 * pins change.
 */
@Timeout(60)
class DowngradeTest {

    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final int OPTIONAL = 4;

    @TempDir
    Path dir;

    private TlsNodes nodes;
    private NodeAddress one;

    @BeforeAll
    static void keys() {
        Keys.prepare("n1", "n4", "stranger");
    }

    @BeforeEach
    void responder() throws Exception {
        nodes = new TlsNodes(dir, TestNet.freePort(4));
        one = nodes.address(1);
        nodes.installKey(OPTIONAL, Keys.get("n4"));
        nodes.save(OPTIONAL, new TlsNodes.Text(nodes.address(OPTIONAL)).peer(one, Keys.get("n1").pin())
                .tls("optional"));
        nodes.startAll(OPTIONAL);
    }

    @AfterEach
    void stop() {
        nodes.close();
    }

    private Message.HandshakeAck plaintextHandshake() throws Exception {
        try (RawPeer p = RawPeer.connect(TestNet.ip(1), nodes.address(OPTIONAL))) {
            Message.HandshakeAck ack = p.handshakeAs(one);
            if (!ack.accepted()) {
                assertTrue(p.awaitClosed(WAIT), "a refusal is followed by the close");
            }
            return ack;
        }
    }

    @Test
    void plaintextClaimingAPinnedPeerSeenOverTlsIsRefusedUntilItsPinsChange() throws Exception {
        try (TlsWire.Client tls = TlsWire.connect(TestNet.ip(1), nodes.address(OPTIONAL), Keys.get("n1"))) {
            Message m = tls.handshakeAs(one);
            assertTrue(m instanceof Message.HandshakeAck a && a.accepted(), "the pinned key is accepted: " + m);
            Await.until(WAIT, () -> nodes.agent(OPTIONAL).pool().isConnected(one), "connected over TLS");
            long id = nodes.connectionId(OPTIONAL, 1);
            Object remote = nodes.peer(OPTIONAL, 1, "RemoteSocket");

            Message.HandshakeAck ack = plaintextHandshake();
            assertFalse(ack.accepted(), "the impostor is refused: " + ack);
            assertTrue(ack.reason().startsWith("downgrade refused"), ack.reason());
            assertEquals(id, nodes.connectionId(OPTIONAL, 1), "the TLS link is still the peer's connection");
            assertEquals(remote, nodes.peer(OPTIONAL, 1, "RemoteSocket"), "with its 4-tuple");
            assertEquals("TLSv1.3", String.valueOf(nodes.peer(OPTIONAL, 1, "Security")).split(" ")[0]);
        }
        Await.until(WAIT, () -> !nodes.agent(OPTIONAL).pool().isConnected(one), "the TLS link closed");

        Message.HandshakeAck afterwards = plaintextHandshake();
        assertFalse(afterwards.accepted(), "still refused with no TLS link held: " + afterwards);
        assertTrue(afterwards.reason().startsWith("downgrade refused"), afterwards.reason());

        long reloads = nodes.reloads(OPTIONAL);
        nodes.save(OPTIONAL, new TlsNodes.Text(nodes.address(OPTIONAL))
                .peer(one, Keys.get("n1").pin(), Keys.get("stranger").pin()).tls("optional"));
        nodes.awaitReload(OPTIONAL, reloads, WAIT);
        assertTrue(plaintextHandshake().accepted(), "new pins: the peer has proven none of them yet");
    }

    @Test
    void withoutATlsConnectionFirstPlaintextIsStillLetIn() throws Exception {
        // The peer may not have this node's pin yet: optional exists for that rollout step.
        assertTrue(plaintextHandshake().accepted());
    }
}
