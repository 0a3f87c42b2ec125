package org.peerpool.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.peerpool.Agent;
import org.peerpool.config.NodeConfig;
import org.peerpool.config.TlsSettings;
import org.peerpool.testing.Await;
import org.peerpool.testing.Keys;
import org.peerpool.testing.Swarm;
import org.peerpool.testing.TestNet;
import org.peerpool.testing.TlsWire;
import org.peerpool.wire.NodeAddress;

/**
 * Issue 20: hundreds of TLS handshakes at once. 300 pinned {@link Swarm} peers dial a
 * node with {@code [tls] mode = required} before it listens, so all arrive together on
 * its two I/O threads (some may pass the handshake timeout and dial again); each ends
 * with exactly one TLS connection, with its pinned key, none refused. Bounds are
 * generous: the benchmark times it.
 */
@Timeout(300)
class TlsSwarmTest {

    private static final int PEERS = 300;

    @Test
    void hundredsOfHandshakesAtOnceAllComplete() throws Exception {
        Keys.prepare("swarm-node", "swarm-peer");
        Keys.Key nodeKey = Keys.get("swarm-node");
        Keys.Key peerKey = Keys.get("swarm-peer");
        KeyPin peerPin = KeyPin.of(peerKey.certificate());
        int port = TestNet.freePort(1);
        InetAddress nodeIp = InetAddress.getByName("127.1.0.2");
        NodeConfig.Builder b = NodeConfig.builder(nodeIp).port(port).reverseDialAfterS(0).heartbeatIntervalS(10)
                .tls(TlsSettings.of(TlsMode.REQUIRED, LocalKey.load(nodeKey.file(), nodeKey.password().toCharArray())));
        List<NodeAddress> peers = new ArrayList<>();
        for (int i = 0; i < PEERS; i++) {
            NodeAddress p = NodeAddress.of(Swarm.ip(i), port);
            peers.add(p);
            b.addPeer(p, Set.of(peerPin));
        }
        Agent node = Agent.builder(b.build()).ioThreads(2).build();
        try (Swarm swarm = Swarm.start(NodeAddress.of(nodeIp, port), PEERS, port, 2, 10_000, 0,
                TlsWire.context(peerKey))) {
            node.start();
            Await.until(Duration.ofSeconds(180),
                    () -> node.pool().connectionCount() == PEERS && swarm.connected() == PEERS,
                    () -> "node holds " + node.pool().connectionCount() + ", swarm has " + swarm.connected()
                            + " accepted; refusals " + swarm.refusals());
            for (int i = 0; i < PEERS; i++) {
                assertEquals(1, swarm.connectionsOf(i), "peer " + i + " was accepted once");
            }
            for (NodeAddress p : peers) {
                assertEquals(peerPin.toString(), node.pool().snapshot(p).orElseThrow().peerKeyPin(), p + " is linked over TLS with its key");
            }
            assertEquals(List.of(), swarm.refusals(), "no peer was refused");
        } finally {
            node.stop();
        }
    }
}
