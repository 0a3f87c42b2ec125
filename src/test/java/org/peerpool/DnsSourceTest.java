package org.peerpool;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

import javax.management.JMX;
import javax.management.MBeanServer;
import javax.management.MBeanServerFactory;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.peerpool.config.ConfigWatcher;
import org.peerpool.jmx.JmxNames;
import org.peerpool.sources.JndiDnsResolver;
import org.peerpool.testing.Await;
import org.peerpool.testing.Ini;
import org.peerpool.testing.TestNet;
import org.peerpool.testing.TinyDns;
import org.peerpool.wire.NodeAddress;

/**
 * A {@code [peers] dns} name, served by the test's own DNS server, adds and removes
 * peers as its answer changes at each refresh; an answer dropping more than
 * {@code max_drop_fraction} waits one more refresh.
 */
@Timeout(60)
class DnsSourceTest {

    private static final Duration WAIT = Duration.ofSeconds(15);

    @TempDir
    Path dir;

    private TinyDns dns;
    private Agent node;

    @AfterEach
    void stop() {
        if (node != null) {
            node.stop();
        }
        if (dns != null) {
            dns.close();
        }
    }

    @Test
    void answersAddAndRemovePeers() throws Exception {
        int port = TestNet.freePort(1);
        NodeAddress self = TestNet.address(1, port);
        NodeAddress b = TestNet.address(2, port);
        NodeAddress c = TestNet.address(3, port);
        NodeAddress d = TestNet.address(4, port);
        dns = TinyDns.on(TestNet.ip(53));
        // The node's own address in the answer is left out, as on a peer line.
        dns.answer("seeds.test", TestNet.ip(1), TestNet.ip(2), TestNet.ip(3));
        Path ini = dir.resolve("peerpool.ini");
        Ini.writeInPlace(ini, Ini.text(self, List.of()) + "[peers]\ndns = seeds.test\ndns_refresh_s = 1\n");
        MBeanServer server = MBeanServerFactory.newMBeanServer();
        node = Agent.builder(ConfigWatcher.load(ini)).ioThreads(1).mbeanServer(server)
                .peerResolver(JndiDnsResolver.at(dns.url(), 300, 1)).build();
        node.start();

        Await.until(WAIT, () -> Set.copyOf(node.pool().configuredPeers()).equals(Set.of(b, c)), () -> "first answer: "
                + node.pool().configuredPeers());
        // The bean follows the pool's entry on the event thread.
        Await.until(WAIT, () -> server.isRegistered(JmxNames.peer(self, b)), "Peer bean registered");
        assertArrayEquals(new String[] {"dns:seeds.test:" + port},
                JMX.newMXBeanProxy(server, JmxNames.peer(self, b), PeerMXBean.class).getSources());

        dns.answer("seeds.test", TestNet.ip(2), TestNet.ip(3), TestNet.ip(4));
        Await.until(WAIT, () -> node.pool().configuredPeers().contains(d), "added at the next refresh");
        // One of three dropped: not more than half, so it applies at once.
        dns.answer("seeds.test", TestNet.ip(3), TestNet.ip(4));
        Await.until(WAIT, () -> Set.copyOf(node.pool().configuredPeers()).equals(Set.of(c, d)),
                () -> "removed at the next refresh: " + node.pool().configuredPeers());

        // Both dropped: held for one refresh, then applied when the next answer agrees.
        ConfigMXBean config = JMX.newMXBeanProxy(server, JmxNames.config(self), ConfigMXBean.class);
        dns.answer("seeds.test");
        Await.until(WAIT, () -> config.getSourceErrors().length == 1, "hold shown");
        assertEquals(Set.of(c, d), Set.copyOf(node.pool().configuredPeers()), "held, not applied");
        assertTrue(config.getSourceErrors()[0].startsWith("dns:seeds.test:" + port
                + ": held back an answer dropping 2 of 2 peers"), config.getSourceErrors()[0]);
        Await.until(WAIT, () -> node.pool().configuredPeers().isEmpty(), "applied one refresh later");
        assertEquals(0, config.getSourceErrors().length, "the hold is over");
    }
}
