package org.peerpool;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.peerpool.config.NodeConfig;
import org.peerpool.testing.Await;
import org.peerpool.testing.RawPeer;
import org.peerpool.testing.TestNet;
import org.peerpool.wire.Message;
import org.peerpool.wire.NodeAddress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 18: under {@code accept_unknown_peers = true}, unlisted peers are bounded
 * (PROTOCOL.md section 4, {@code too many unknown peers}). One host below the node
 * claims 500 ports on its IP: at most {@code max_unknown_peers_per_ip} are held, a second
 * IP fills the total bound, and the listed peer's connection is not touched.
 */
@Timeout(120)
class UnknownPeersLimitTest {

    private static final Duration WAIT = Duration.ofSeconds(15);

    private final List<Agent> agents = new ArrayList<>();
    private final List<RawPeer> claims = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (RawPeer p : claims) {
            p.close();
        }
        agents.forEach(Agent::stop);
    }

    @Test
    void claimsFromOneIpAndInTotalAreBounded() throws Exception {
        int port = TestNet.freePort(9);
        NodeAddress listed = TestNet.address(2, port);
        NodeAddress node = TestNet.address(9, port);
        Agent target = Agent.create(TestNet.fast(NodeConfig.builder(TestNet.ip(9)).port(port).addPeer(listed))
                .acceptUnknownPeers(true).maxUnknownPeers(6).build());
        Agent peer = Agent.create(TestNet.fast(NodeConfig.builder(TestNet.ip(2)).port(port).addPeer(node)).build());
        agents.add(target);
        agents.add(peer);
        target.start();
        peer.start();
        Await.until(WAIT, () -> target.pool().isConnected(listed) && peer.pool().isConnected(node), "listed pair");
        long listedId = target.pool().snapshot(listed).orElseThrow().connectionId();

        int accepted = 0;
        int refused = 0;
        for (int claimed = 1; claimed <= 500; claimed++) {
            RawPeer p = RawPeer.connect(TestNet.ip(5), node);
            Message.HandshakeAck ack = p.handshakeAs(TestNet.address(5, claimed));
            if (ack.accepted()) {
                accepted++;
                claims.add(p);
            } else {
                assertTrue(ack.reason().startsWith("too many unknown peers"), ack.reason());
                refused++;
                p.close();
            }
        }
        assertEquals(4, accepted, "max_unknown_peers_per_ip (default 4) from 127.0.0.5");
        assertEquals(496, refused);

        int fromSix = 0;
        for (int claimed = 1; claimed <= 5; claimed++) {
            RawPeer p = RawPeer.connect(TestNet.ip(6), node);
            Message.HandshakeAck ack = p.handshakeAs(TestNet.address(6, claimed));
            if (ack.accepted()) {
                fromSix++;
                claims.add(p);
            } else {
                assertTrue(ack.reason().contains("(max_unknown_peers)"), ack.reason());
                p.close();
            }
        }
        assertEquals(2, fromSix, "another IP gets what is left of max_unknown_peers = 6");
        assertEquals(1 + 6, target.pool().snapshots().size(), "entries: the listed peer and six unlisted");
        assertEquals(listedId, target.pool().snapshot(listed).orElseThrow().connectionId(),
                "the listed peer's connection is undisturbed");
        assertTrue(peer.pool().isConnected(node));
    }
}
