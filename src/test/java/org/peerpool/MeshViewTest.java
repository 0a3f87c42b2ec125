package org.peerpool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.peerpool.config.NodeConfig;
import org.peerpool.MeshMatrix;
import org.peerpool.MeshMatrix.PairState;
import org.peerpool.testing.Await;
import org.peerpool.testing.RawPeer;
import org.peerpool.testing.TestNet;
import org.peerpool.wire.Message;
import org.peerpool.wire.NodeAddress;

/**
 * The mesh view (PROTOCOL.md section 3, VIEW) over real sockets: every node knows every
 * pair, a pair cut between two other nodes shows as missing on a third and whole again
 * when healed, and a peer that sends no VIEW (built before it) leaves its pairs unknown
 * without disturbing anything.
 */
@Timeout(120)
class MeshViewTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    private final List<Agent> agents = new ArrayList<>();
    private final List<RawPeer> raws = new ArrayList<>();

    @AfterEach
    void stopAll() throws Exception {
        for (RawPeer r : raws) {
            r.close();
        }
        agents.forEach(Agent::stop);
    }

    private Agent start(NodeConfig config) throws Exception {
        Agent a = Agent.builder(config).ioThreads(1).build();
        agents.add(a);
        a.start();
        return a;
    }

    private static List<String> missing(Agent a) {
        return a.pool().mesh().missing().stream().map(Object::toString).toList();
    }

    @Test
    void aPairCutBetweenTwoOtherNodesShowsMissingOnAThirdAndWholeWhenHealed() throws Exception {
        int port = TestNet.freePort(4);
        List<NodeConfig> configs = new ArrayList<>();
        for (NodeConfig.Builder b : TestNet.mesh(3, 4, port)) {
            configs.add(TestNet.fast(b).heartbeatIntervalS(1).build());
        }
        for (NodeConfig c : configs) {
            start(c);
        }
        Agent a = agents.get(0);
        Agent b = agents.get(1);
        Agent c = agents.get(2);
        Agent d = agents.get(3);
        Await.until(WAIT, () -> agents.stream().allMatch(x -> x.pool().mesh().pairs(PairState.CONNECTED).size() == 6),
                () -> "every node knows all 6 pairs connected: " + agents.stream().map(x -> x.pool().mesh().pairs()).toList());
        for (Agent x : agents) {
            assertEquals(List.of(), missing(x));
            assertEquals(List.of(), x.pool().mesh().pairs(PairState.UNKNOWN));
        }
        List<List<String>> heard = new CopyOnWriteArrayList<>();
        a.pool().addMeshListener(heard::add);

        // B and C drop each other from their lists: their connection closes, and A and D still list both.
        NodeAddress bAddr = b.pool().self();
        NodeAddress cAddr = c.pool().self();
        b.apply(without(configs.get(1), cAddr));
        c.apply(without(configs.get(2), bAddr));
        String pair = bAddr + " " + cAddr;
        Await.until(WAIT, () -> missing(a).equals(List.of(pair)) && missing(d).equals(List.of(pair)),
                () -> "A and D name the cut pair: " + missing(a) + " / " + missing(d));
        // B does not list C any more: nothing of B's own is missing.
        assertEquals(List.of(), missing(b));
        Await.until(WAIT, () -> heard.contains(List.of(pair)), () -> "A's mesh listener heard of the cut: " + heard);

        b.apply(configs.get(1));
        c.apply(configs.get(2));
        Await.until(WAIT, () -> missing(a).isEmpty() && missing(d).isEmpty(),
                () -> "healed: " + missing(a) + " / " + missing(d));
        Await.until(WAIT, () -> !heard.isEmpty() && heard.get(heard.size() - 1).isEmpty(),
                () -> "A's mesh listener heard the mesh is whole: " + heard);
        assertEquals(6, a.pool().mesh().pairs(PairState.CONNECTED).size());
    }

    private static NodeConfig without(NodeConfig c, NodeAddress gone) {
        List<NodeAddress> peers = new ArrayList<>(c.peers());
        peers.remove(gone);
        return c.toBuilder().peers(peers).build();
    }

    @Test
    void peersWithoutViewShowAsUnknownAndAViewArrivesAfterTheHandshake() throws Exception {
        int port = TestNet.freePort(4);
        NodeAddress e = TestNet.address(1, port);
        NodeAddress f = TestNet.address(2, port);
        NodeAddress aAddr = TestNet.address(3, port);
        NodeAddress bAddr = TestNet.address(4, port);
        List<NodeAddress> all = List.of(e, f, aAddr, bAddr);
        Agent a = start(TestNet.fast(NodeConfig.builder(aAddr.ip()).port(port).peers(all)).heartbeatIntervalS(1).build());
        Agent b = start(TestNet.fast(NodeConfig.builder(bAddr.ip()).port(port).peers(all)).heartbeatIntervalS(1).build());
        Await.until(WAIT, () -> a.pool().isConnected(bAddr), "A and B connected");

        // E: a node built before VIEW, which never sends one. It still receives A's, first thing after the ACK.
        RawPeer rawE = RawPeer.connect(e.ip(), aAddr);
        raws.add(rawE);
        assertTrue(rawE.handshakeAs(e).accepted());
        Message.View first = nextView(rawE);
        assertEquals(List.of(e.toString(), bAddr.toString()), first.addresses(),
                "A's view names the peers it holds, the receiver included, in address order");
        RawPeer rawF = RawPeer.connect(f.ip(), aAddr);
        raws.add(rawF);
        assertTrue(rawF.handshakeAs(f).accepted());
        Message.View second = nextView(rawE);
        assertEquals(List.of(e.toString(), f.toString(), bAddr.toString()), second.addresses(), "F joined A's view");
        assertTrue(second.epoch() > first.epoch(), "the epoch rose: " + first.epoch() + " then " + second.epoch());

        String ef = e + " " + f;
        Await.until(WAIT, () -> a.pool().mesh().pairs(PairState.UNKNOWN).stream().map(Object::toString).toList()
                        .equals(List.of(ef)),
                () -> "only E-F is unknown to A: " + a.pool().mesh().pairs());
        MeshMatrix m = a.pool().mesh();
        assertEquals(List.of(e + " " + bAddr, f + " " + bAddr), m.missing().stream().map(Object::toString).toList(),
                "B's own view says it holds neither E nor F");
        assertTrue(m.pairs(PairState.CONNECTED).stream().anyMatch(p -> p.toString().equals(e + " " + aAddr)));

        // E speaks VIEW after all, with a line this node cannot read: the rest still counts.
        rawE.send(new Message.View(1, List.of("not an address", f.toString(), aAddr.toString())));
        Await.until(WAIT, () -> a.pool().mesh().pairs(PairState.UNKNOWN).isEmpty()
                        && a.pool().mesh().pairs(PairState.CONNECTED).stream().anyMatch(p -> p.toString().equals(ef)),
                () -> "E's view makes E-F known: " + a.pool().mesh().pairs());
        assertTrue(a.pool().isConnected(e) && a.pool().isConnected(f), "the raw peers stay connected");
        assertEquals(0, a.pool().protocolViolations());
    }

    private static Message.View nextView(RawPeer p) throws Exception {
        while (true) {
            Message m = p.read();
            if (m instanceof Message.View v) {
                return v;
            }
            if (!(m instanceof Message.Announce)) {
                throw new AssertionError("expected a VIEW, got " + m);
            }
        }
    }
}
