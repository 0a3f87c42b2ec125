package org.peerpool.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.peerpool.Agent;
import org.peerpool.config.NodeConfig;
import org.peerpool.config.TlsSettings;
import org.peerpool.PeerSnapshot;
import org.peerpool.testing.Await;
import org.peerpool.testing.Keys;
import org.peerpool.testing.TestNet;
import org.peerpool.wire.NodeAddress;

/**
 * Two agents built in code: a pinned pair links over TLS 1.3 and carries payloads; a
 * wrong pin makes the initiator abort with {@code key mismatch}.
 */
@Timeout(60)
class TlsLinkTest {

    private static LocalKey one;
    private static LocalKey two;
    private static LocalKey stranger;
    private final List<Agent> agents = new ArrayList<>();

    @BeforeAll
    static void makeKeys() throws Exception {
        Keys.prepare("one", "two", "stranger");
        one = load(Keys.get("one"));
        two = load(Keys.get("two"));
        stranger = load(Keys.get("stranger"));
    }

    private static LocalKey load(Keys.Key k) throws Exception {
        return LocalKey.load(k.file(), k.password().toCharArray());
    }

    @AfterEach
    void stop() {
        agents.forEach(Agent::stop);
    }

    private Agent start(NodeConfig cfg) throws Exception {
        Agent a = Agent.builder(cfg).ioThreads(1).build();
        agents.add(a);
        a.start();
        return a;
    }

    private static NodeConfig node(int i, int port, LocalKey own, NodeAddress peer, KeyPin peerPin) {
        return TestNet.fast(NodeConfig.builder(TestNet.ip(i)).port(port))
                .addPeer(peer, Set.of(peerPin))
                .tls(TlsSettings.of(TlsMode.REQUIRED, own))
                .build();
    }

    @Test
    void pinnedPairLinksOverTls13() throws Exception {
        int port = TestNet.freePort(2);
        NodeAddress a1 = TestNet.address(1, port);
        NodeAddress a2 = TestNet.address(2, port);
        Agent n1 = start(node(1, port, one, a2, two.pin()));
        Agent n2 = start(node(2, port, two, a1, one.pin()));
        Await.until(Duration.ofSeconds(10), () -> n1.pool().connectionCount() == 1 && n2.pool().connectionCount() == 1,
                "TLS pair connected");
        PeerSnapshot s = n1.pool().snapshot(a2).orElseThrow();
        assertTrue(s.security().startsWith("TLSv1.3 "), s.security());
        assertEquals(two.pin().text(), s.peerKeyPin());
        assertEquals(one.pin().text(), n2.pool().snapshot(a1).orElseThrow().peerKeyPin());
        List<String> got = new java.util.concurrent.CopyOnWriteArrayList<>();
        n2.onPayload((from, topic, data) -> got.add(topic));
        n1.send(a2, "over-tls", new byte[100_000]).get(10, TimeUnit.SECONDS);
        Await.until(Duration.ofSeconds(15), () -> got.contains("over-tls"), "payload over TLS");
    }

    @Test
    void initiatorAbortsOnWrongResponderKey() throws Exception {
        int port = TestNet.freePort(2);
        NodeAddress a1 = TestNet.address(1, port);
        NodeAddress a2 = TestNet.address(2, port);
        Agent n1 = start(node(1, port, one, a2, stranger.pin()));
        start(node(2, port, two, a1, one.pin()));
        Await.until(Duration.ofSeconds(10), () -> n1.pool().keyMismatches() > 0, "key mismatch counted");
        String error = n1.pool().snapshot(a2).orElseThrow().lastError();
        assertTrue(error.startsWith("key mismatch"), error);
        assertEquals(0, n1.pool().connectionCount());
    }
}
