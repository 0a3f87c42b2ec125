package org.peerpool.jmx;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import javax.management.JMX;
import javax.management.Notification;
import javax.management.ObjectName;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.peerpool.Agent;
import org.peerpool.ConfigMXBean;
import org.peerpool.config.NodeConfig;
import org.peerpool.testing.StubConfigControl;
import org.peerpool.testing.TestNet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Config bean over a config source: what is in force, the outcome of reload(),
 * a notification for every reload applied or rejected, and nothing left at close.
 */
@Timeout(30)
class JmxConfigTest {

    private final JmxNodes nodes = new JmxNodes();
    private final Path file = Path.of("/etc/peerpool/peerpool.ini");
    private int port;
    private NodeConfig config;
    private StubConfigControl control;
    private JmxExposure exposure;
    private ObjectName name;
    private ConfigMXBean bean;

    @BeforeEach
    void expose() {
        port = TestNet.freePort(3);
        config = TestNet.mesh(1, 2, port).get(0).build();
        control = new StubConfigControl(file, config);
        Agent node = nodes.agent(config, null);
        exposure = JmxExposure.expose(nodes.server, node.pool(), node.control(), control);
        name = JmxNames.config(node.address());
        bean = JMX.newMXBeanProxy(nodes.server, name, ConfigMXBean.class);
    }

    @AfterEach
    void stop() {
        exposure.close();
        nodes.close();
    }

    @Test
    void showsTheConfigurationInForce() {
        assertEquals(file.toString(), bean.getFile());
        assertFalse(Instant.parse(bean.getLoadedAt()).isAfter(Instant.now()));
        assertEquals(0, bean.getReloadCount());
        assertEquals(0, bean.getRejectedCount());
        assertEquals("", bean.getLastError());
        assertEquals("127.0.0.1:" + port, bean.getLocalAddress());
        assertArrayEquals(new String[] {"127.0.0.2:" + port}, bean.getPeers());
    }

    @Test
    void reloadSaysWhetherTheFileWasAppliedUnchangedOrRejected() {
        assertEquals("Unchanged: " + file + " holds the configuration in force", bean.reload());

        control.onReloadNow(new StubConfigControl.Valid(config.toBuilder()
                .addPeer(TestNet.address(3, port)).addPeer(TestNet.address(2, 7000)).build()));
        assertEquals("Reloaded " + file, bean.reload());
        assertEquals(1, bean.getReloadCount());
        assertArrayEquals(new String[] {"127.0.0.2:7000", "127.0.0.2:" + port, "127.0.0.3:" + port}, bean.getPeers());

        String error = file + ": line 4: port: 70000 (expected: 1..65535)";
        control.onReloadNow(new StubConfigControl.Invalid(error));
        assertEquals("Rejected; the previous configuration stays in force: " + error, bean.reload());
        assertEquals(1, bean.getRejectedCount());
        assertEquals(error, bean.getLastError());
        assertEquals(3, bean.getPeers().length, "still the last good configuration");
    }

    @Test
    void everyReloadAppliedOrRejectedIsNotified() throws Exception {
        BlockingQueue<Notification> heard = new LinkedBlockingQueue<>();
        nodes.server.addNotificationListener(name, (n, hb) -> heard.add(n), null, null);

        control.reload(config.toBuilder().addPeer(TestNet.address(3, port)).build());
        control.reject("line 2: local_ip: 'nonsense' is not an IP");

        Notification reloaded = heard.poll(15, TimeUnit.SECONDS);
        assertNotNull(reloaded);
        assertEquals(ConfigMXBean.CONFIG_RELOADED, reloaded.getType());
        assertEquals("Reloaded " + file + " (reload 1, 2 peers)", reloaded.getMessage());
        assertEquals(file.toString(), reloaded.getUserData());
        assertEquals(name, reloaded.getSource());

        Notification rejected = heard.poll(15, TimeUnit.SECONDS);
        assertNotNull(rejected);
        assertEquals(ConfigMXBean.CONFIG_REJECTED, rejected.getType());
        assertEquals("line 2: local_ip: 'nonsense' is not an IP", rejected.getMessage());
        assertEquals(file.toString(), rejected.getUserData());
        assertTrue(rejected.getSequenceNumber() > reloaded.getSequenceNumber());
    }

    @Test
    void closingRemovesTheBeanAndStopsListening() {
        assertTrue(nodes.server.isRegistered(name));
        assertEquals(1, control.listeners().size());

        exposure.close();

        assertFalse(nodes.server.isRegistered(name));
        assertEquals(List.of(), control.listeners());
        assertEquals(Set.of(), nodes.names());
    }
}
