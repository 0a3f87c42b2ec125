package org.peerpool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;

import javax.management.JMX;
import javax.management.MBeanServer;
import javax.management.MBeanServerFactory;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.peerpool.config.ConfigWatcher;
import org.peerpool.config.NodeConfig;
import org.peerpool.jmx.JmxNames;
import org.peerpool.PeerSnapshot;
import org.peerpool.sources.JndiDnsResolver;
import org.peerpool.testing.Await;
import org.peerpool.testing.Ini;
import org.peerpool.testing.LogCapture;
import org.peerpool.testing.TestNet;
import org.peerpool.testing.TinyDns;
import org.peerpool.wire.NodeAddress;

/**
 * A failing source disconnects no one (DESIGN.md A2): a bad line, a deleted file, DNS going silent,
 * NXDOMAIN and an answer dropping more than max_drop_fraction all leave every
 * connection as it was, each shows on the Config bean, and a failure that lasts many
 * refreshes logs one WARN.
 */
@Timeout(90)
class SourceFailureTest {

    private static final Duration WAIT = Duration.ofSeconds(15);

    @TempDir
    Path dir;

    private final List<Agent> agents = new ArrayList<>();
    private TinyDns dns;

    @AfterEach
    void stopAll() {
        agents.forEach(Agent::stop);
        if (dns != null) {
            dns.close();
        }
    }

    @Test
    void failingSourcesDisconnectNoOne() throws Exception {
        int port = TestNet.freePort(4);
        NodeAddress self = TestNet.address(1, port);
        for (int i = 2; i <= 4; i++) {
            Agent peer = Agent.builder(TestNet.fast(NodeConfig.builder(TestNet.ip(i)).port(port).peers(List.of(self)))
                    .build()).ioThreads(1).mbeanServer(null).build();
            agents.add(peer);
            peer.start();
        }
        dns = TinyDns.on(TestNet.ip(53));
        dns.answer("seeds.test", TestNet.ip(3), TestNet.ip(4));
        Path peers = Files.writeString(dir.resolve("masternodes.txt"), TestNet.address(2, port) + "\n");
        Path ini = dir.resolve("peerpool.ini");
        Ini.writeInPlace(ini, Ini.text(self, List.of())
                + "[peers]\nfile = masternodes.txt\ndns = seeds.test\ndns_refresh_s = 1\n");
        MBeanServer server = MBeanServerFactory.newMBeanServer();
        Agent node = Agent.builder(ConfigWatcher.load(ini)).ioThreads(1).mbeanServer(server)
                .peerResolver(JndiDnsResolver.at(dns.url(), 300, 1)).build();
        agents.add(node);
        ConcurrentLinkedQueue<PeerEvent> events = new ConcurrentLinkedQueue<>();
        node.onPeerEvent(events::add);
        node.start();
        Await.until(WAIT, () -> node.pool().connectionCount() == 3, "connected to all three");
        Map<NodeAddress, Long> before = connectionIds(node);
        ConfigMXBean config = JMX.newMXBeanProxy(server, JmxNames.config(self), ConfigMXBean.class);
        String dnsLabel = "dns:seeds.test:" + port + ": ";

        try (LogCapture warnings = LogCapture.warnings("org.peerpool.sources.SourceState")) {
            Files.writeString(peers, TestNet.address(2, port) + "\nnot-an-address\n");
            awaitError(config, "file:masternodes.txt: " + peers + " line 2: 'not-an-address': ");
            Files.delete(peers);
            awaitError(config, "file:masternodes.txt: " + peers + ": file not found; keeping its last 1 peers");

            dns.silent(true);
            awaitError(config, dnsLabel + "seeds.test: no answer from DNS");
            int asked = dns.queries();
            // Three more refreshes of silence (one query each: A times out, AAAA is not asked): still one WARN.
            Await.until(WAIT, () -> dns.queries() >= asked + 3, "three more refreshes");
            assertEquals(2, warnings.messages().size(), "one WARN per failing source: " + warnings.messages());

            dns.silent(false);
            dns.nxdomain("seeds.test");
            awaitError(config, dnsLabel + "seeds.test: no such name (NXDOMAIN); keeping its last 2 peers");

            dns.answer("seeds.test");
            awaitError(config, dnsLabel + "held back an answer dropping 2 of 2 peers");
            dns.answer("seeds.test", TestNet.ip(3), TestNet.ip(4));
            Await.until(WAIT, () -> config.getSourceErrors().length == 1, () -> "only the file still fails: "
                    + Arrays.toString(config.getSourceErrors()));
        }
        assertEquals(before, connectionIds(node), "every connection as it was");
        assertTrue(events.stream().noneMatch(e -> e.kind() == PeerEvent.Kind.DISCONNECTED
                || e.kind() == PeerEvent.Kind.REMOVED), () -> "no one disconnected or removed: " + events);
    }

    private static void awaitError(ConfigMXBean config, String start) {
        Await.until(WAIT, () -> Arrays.stream(config.getSourceErrors()).anyMatch(e -> e.startsWith(start)),
                () -> "SourceErrors starting with '" + start + "': " + Arrays.toString(config.getSourceErrors()));
    }

    private static Map<NodeAddress, Long> connectionIds(Agent a) {
        Map<NodeAddress, Long> out = new HashMap<>();
        for (PeerSnapshot s : a.pool().snapshots()) {
            out.put(s.address(), s.connectionId());
        }
        return out;
    }
}
