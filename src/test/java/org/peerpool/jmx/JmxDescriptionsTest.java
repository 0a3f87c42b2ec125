package org.peerpool.jmx;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import javax.management.MBeanAttributeInfo;
import javax.management.MBeanInfo;
import javax.management.MBeanNotificationInfo;
import javax.management.MBeanOperationInfo;
import javax.management.MBeanParameterInfo;
import javax.management.ObjectName;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.peerpool.Agent;
import org.peerpool.config.NodeConfig;
import org.peerpool.testing.StubConfigControl;
import org.peerpool.testing.TestNet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What JConsole shows without project classes: every bean, attribute, operation,
 * parameter and notification described in words, parameters with real names, every
 * name DESIGN.md A3 promises present, and the beans still MXBeans.
 */
@Timeout(30)
class JmxDescriptionsTest {

    // What StandardMBean says when nobody said anything.
    private static final Set<String> DEFAULT_TEXTS = Set.of("", "Information on the management interface of the MBean",
            "Attribute exposed for management", "Operation exposed for management");

    private final JmxNodes nodes = new JmxNodes();
    private Agent node;
    private JmxExposure exposure;

    @BeforeEach
    void expose() throws Exception {
        int port = TestNet.freePort(2);
        NodeConfig config = TestNet.mesh(1, 2, port).get(0).build();
        node = nodes.agent(config, null);
        node.listen();
        exposure = JmxExposure.expose(nodes.server, node.pool(), node.control(), new StubConfigControl(Path.of("etc/peerpool.ini"), config));
    }

    @AfterEach
    void stop() {
        exposure.close();
        nodes.close();
    }

    @Test
    void theConnectionPoolBeanIsDescribedAndHasEverythingOfA3() throws Exception {
        MBeanInfo info = describedInfo(JmxNames.pool(node.address()));
        assertHas(info, List.of("LocalAddress", "ConnectionCount", "InboundCount", "OutboundCount", "ConnectedPeers",
                "ConfiguredPeers", "ConnectAttempts", "HandshakeFailures", "ProtocolViolations", "Superseded",
                "HandshakingInbound", "HandshakesRefused"),
                List.of("disconnect(peer)", "connectNow(peer)"),
                List.of("peerpool.peer.connected", "peerpool.peer.disconnected"));
    }

    @Test
    void thePeerBeanIsDescribedAndHasEverythingOfA3() throws Exception {
        MBeanInfo info = describedInfo(JmxNames.peer(node.address(), node.pool().configuredPeers().get(0)));
        assertHas(info, List.of("Address", "State", "Direction", "ConnectedSince", "LastMessageAgeMillis", "MessagesIn",
                "MessagesOut", "BytesIn", "BytesOut", "FailedAttempts", "LastError"), List.of(), List.of());
        assertEquals(0, info.getNotifications().length, "a Peer bean emits nothing");
    }

    @Test
    void theConfigBeanIsDescribedAndHasEverythingOfA3() throws Exception {
        MBeanInfo info = describedInfo(JmxNames.config(node.address()));
        assertHas(info, List.of("File", "LoadedAt", "ReloadCount", "RejectedCount", "LastError", "LocalAddress", "Peers"),
                List.of("reload()"), List.of("peerpool.config.reloaded", "peerpool.config.rejected"));
    }

    /** The bean's MBeanInfo, after checking that everything in it is described and named. */
    private MBeanInfo describedInfo(ObjectName name) throws Exception {
        MBeanInfo info = nodes.server.getMBeanInfo(name);
        assertDescribed(info.getDescription(), name.toString());
        assertEquals("true", info.getDescriptor().getFieldValue("mxbean"), name + " is an MXBean");
        for (MBeanAttributeInfo a : info.getAttributes()) {
            assertDescribed(a.getDescription(), name + " attribute " + a.getName());
            assertFalse(a.isWritable(), name + " attribute " + a.getName() + " is read-only");
        }
        for (MBeanOperationInfo op : info.getOperations()) {
            assertDescribed(op.getDescription(), name + " operation " + op.getName());
            for (MBeanParameterInfo p : op.getSignature()) {
                String where = name + " " + op.getName() + " parameter " + p.getName();
                assertFalse(p.getName().matches("p\\d+"), where + " has a real name");
                assertDescribed(p.getDescription(), where);
                assertNotEquals(p.getName(), p.getDescription(), where);
            }
        }
        for (MBeanNotificationInfo n : info.getNotifications()) {
            assertDescribed(n.getDescription(), name + " notification " + Arrays.toString(n.getNotifTypes()));
        }
        return info;
    }

    private static void assertDescribed(String text, String what) {
        assertTrue(text != null && !text.isBlank() && !DEFAULT_TEXTS.contains(text), what + " has no description");
    }

    private static void assertHas(MBeanInfo info, List<String> attributes, List<String> operations,
                                  List<String> notifications) {
        Set<String> haveAttributes = Arrays.stream(info.getAttributes()).map(MBeanAttributeInfo::getName)
                .collect(Collectors.toSet());
        Set<String> haveOperations = Arrays.stream(info.getOperations()).map(op -> op.getName() + "("
                + Arrays.stream(op.getSignature()).map(MBeanParameterInfo::getName).collect(Collectors.joining(","))
                + ")").collect(Collectors.toSet());
        Set<String> haveNotifications = Arrays.stream(info.getNotifications())
                .flatMap(n -> Arrays.stream(n.getNotifTypes())).collect(Collectors.toSet());
        assertTrue(haveAttributes.containsAll(attributes), "attributes " + haveAttributes + " lack some of " + attributes);
        assertTrue(haveOperations.containsAll(operations), "operations " + haveOperations + " lack some of " + operations);
        assertTrue(haveNotifications.containsAll(notifications),
                "notifications " + haveNotifications + " lack some of " + notifications);
    }
}
