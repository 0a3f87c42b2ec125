package org.peerpool;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import javax.management.JMX;
import javax.management.MBeanServer;
import javax.management.MBeanServerFactory;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.peerpool.config.ConfigWatcher;
import org.peerpool.jmx.JmxNames;
import org.peerpool.testing.Await;
import org.peerpool.testing.Ini;
import org.peerpool.testing.TestNet;
import org.peerpool.wire.NodeAddress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A reload whose apply fails is not taken as seen: a move to a port another process
 * holds is tried again at each check and happens once the port is free, and asking
 * for a reload of a rejected file answers with the rejection, not "unchanged".
 */
@Timeout(60)
class ReloadRetryTest {

    @TempDir
    Path dir;

    private Agent agent;

    @AfterEach
    void stop() {
        if (agent != null) {
            agent.stop();
        }
    }

    @Test
    void aMoveToATakenPortIsRetriedAndAppliesOnceThePortIsFree() throws Exception {
        int port = TestNet.freePort(2);
        int next = TestNet.freePort(2);
        NodeAddress self = TestNet.address(1, port);
        NodeAddress moved = TestNet.address(1, next);
        Path file = dir.resolve("peerpool.ini");
        Ini.writeInPlace(file, Ini.text(self, List.of(TestNet.address(2, port))));
        MBeanServer server = MBeanServerFactory.newMBeanServer();
        agent = Agent.builder(ConfigWatcher.load(file)).mbeanServer(server).build();
        agent.start();
        try (ServerSocket squatter = new ServerSocket()) {
            squatter.bind(new InetSocketAddress(TestNet.ip(1), next));
            Ini.writeInPlace(file, Ini.text(moved, List.of(TestNet.address(2, port))));
            Await.until(Duration.ofSeconds(15), () -> agent.configControl().status().rejectedCount() == 1,
                    "the apply failed and was reported");
            String error = agent.configControl().status().lastError();
            assertTrue(error.contains("cannot listen on " + moved), error);
            assertEquals(self, agent.address(), "still on the old address");
            ConfigMXBean bean = JMX.newMXBeanProxy(server, JmxNames.config(self), ConfigMXBean.class);
            String answer = bean.reload();
            assertTrue(answer.startsWith("Rejected") && answer.contains("cannot listen on " + moved), answer);
            assertEquals(1, agent.configControl().status().rejectedCount(), "the same failure is reported once");
        }
        // No edit: the watcher's next periodic check applies the same file now that the port is free.
        Await.until(Duration.ofSeconds(10), () -> agent.address().equals(moved)
                && agent.configControl().status().reloadCount() == 1, "moved once the port is free");
        assertEquals("", agent.configControl().status().lastError());
    }

    @Test
    void reloadOfARejectedFileAnswersWithTheRejection() throws Exception {
        int port = TestNet.freePort(2);
        NodeAddress self = TestNet.address(1, port);
        Path file = dir.resolve("peerpool.ini");
        Ini.writeInPlace(file, Ini.text(self, List.of(TestNet.address(2, port))));
        MBeanServer server = MBeanServerFactory.newMBeanServer();
        agent = Agent.builder(ConfigWatcher.load(file)).mbeanServer(server).build();
        agent.start();
        Files.writeString(file, Files.readString(file) + "[connection]\nkeepalive_idle_s = -1\n");
        Await.until(Duration.ofSeconds(15), () -> agent.configControl().status().rejectedCount() == 1, "rejected");
        ConfigMXBean bean = JMX.newMXBeanProxy(server, JmxNames.config(self), ConfigMXBean.class);
        for (int i = 0; i < 2; i++) {
            String answer = bean.reload();
            assertTrue(answer.startsWith("Rejected") && answer.contains("keepalive_idle_s"), answer);
        }
        assertEquals(1, agent.configControl().status().rejectedCount(), "an unchanged bad file is rejected once");
    }
}
