package org.peerpool.jmx;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.rmi.registry.LocateRegistry;
import java.rmi.registry.Registry;
import java.rmi.server.RMIServerSocketFactory;
import java.rmi.server.UnicastRemoteObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import javax.management.Attribute;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanInfo;
import javax.management.MBeanOperationInfo;
import javax.management.MBeanParameterInfo;
import javax.management.MBeanServerConnection;
import javax.management.Notification;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import javax.management.openmbean.TabularData;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXConnectorServer;
import javax.management.remote.JMXConnectorServerFactory;
import javax.management.remote.JMXServiceURL;
import javax.management.remote.rmi.RMIConnectorServer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.peerpool.Agent;
import org.peerpool.ConnectionPoolMXBean;
import org.peerpool.testing.Await;
import org.peerpool.testing.TestNet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The mesh read through a real RMI connector on 127.0.0.1, with nothing but
 * {@code getAttribute}, {@code invoke} and notification listeners: what a client
 * without peerpool's classes, such as JConsole, can do.
 */
@Timeout(60)
class JmxRemoteTest {

    /** The open types a class-less client can read; TabularData is a map such as DisconnectReasons. */
    private static final Set<String> OPEN_TYPES = Set.of("int", "long", "boolean", String.class.getName(),
            String[].class.getName(), TabularData.class.getName(), CompositeData[].class.getName());

    private final JmxNodes nodes = new JmxNodes();
    private Registry registry;
    private JMXConnectorServer connectorServer;
    private JMXConnector client;

    @BeforeAll
    static void stubsPointAtLoopback() {
        // RMI stubs carry this host; the default (the machine's name) may not reach a loopback-only socket.
        System.setProperty("java.rmi.server.hostname", "127.0.0.1");
    }

    @AfterEach
    void stop() throws IOException {
        if (client != null) {
            client.close();
        }
        if (connectorServer != null) {
            connectorServer.stop();
        }
        if (registry != null) {
            UnicastRemoteObject.unexportObject(registry, true);
        }
        nodes.close();
    }

    private MBeanServerConnection connect() throws IOException {
        RMIServerSocketFactory loopbackOnly = port -> new ServerSocket(port, 50, InetAddress.getLoopbackAddress());
        int port = TestNet.freePort(1);
        registry = LocateRegistry.createRegistry(port, null, loopbackOnly);
        JMXServiceURL url = new JMXServiceURL("service:jmx:rmi:///jndi/rmi://127.0.0.1:" + port + "/jmxrmi");
        connectorServer = JMXConnectorServerFactory.newJMXConnectorServer(url,
                Map.of(RMIConnectorServer.RMI_SERVER_SOCKET_FACTORY_ATTRIBUTE, loopbackOnly), nodes.server);
        connectorServer.start();
        client = JMXConnectorFactory.connect(connectorServer.getAddress());
        return client.getMBeanServerConnection();
    }

    @Test
    void aClientWithoutProjectClassesSeesEverything() throws Exception {
        List<Agent> mesh = nodes.mesh(4, TestNet.freePort(4));
        MBeanServerConnection jmx = connect();
        Await.until(Duration.ofSeconds(10), () -> mesh.stream().allMatch(a -> intAttribute(jmx,
                JmxNames.pool(a.address()), "ConnectionCount") == 3), "every node has 3 connections, read remotely");
        nodes.awaitBeans(mesh);

        for (int i = 0; i < 4; i++) {
            Agent a = mesh.get(i);
            ObjectName pool = JmxNames.pool(a.address());
            assertEquals(3 - i, jmx.getAttribute(pool, "OutboundCount"));
            assertEquals(i, jmx.getAttribute(pool, "InboundCount"));
            List<String> others = new ArrayList<>();
            mesh.stream().filter(b -> b != a).forEach(b -> others.add(b.address().toString()));
            assertArrayEquals(others.toArray(String[]::new), (String[]) jmx.getAttribute(pool, "ConnectedPeers"));
            assertOpenTypesOnly(jmx, pool);
            for (int j = 0; j < 4; j++) {
                if (j == i) {
                    continue;
                }
                ObjectName peer = JmxNames.peer(a.address(), mesh.get(j).address());
                assertEquals("CONNECTED", jmx.getAttribute(peer, "State"));
                assertEquals(i < j ? "OUTBOUND" : "INBOUND", jmx.getAttribute(peer, "Direction"));
                assertOpenTypesOnly(jmx, peer);
            }
        }

        // Notifications reach a remote listener; the operation is invoked by name with a String.
        Agent first = mesh.get(0);
        Agent second = mesh.get(1);
        ObjectName pool = JmxNames.pool(first.address());
        ObjectName peer = JmxNames.peer(first.address(), second.address());
        long id = (Long) jmx.getAttribute(peer, "ConnectionId");
        BlockingQueue<Notification> received = new LinkedBlockingQueue<>();
        jmx.addNotificationListener(pool, (n, hb) -> received.add(n), null, null);
        Object result = jmx.invoke(pool, "disconnect", new Object[] {second.address().toString()},
                new String[] {String.class.getName()});
        assertInstanceOf(String.class, result);
        assertTrue(((String) result).startsWith("Disconnected from " + second.address()), (String) result);

        Notification down = received.poll(10, TimeUnit.SECONDS);
        assertNotNull(down, "a disconnect notification");
        assertEquals(ConnectionPoolMXBean.PEER_DISCONNECTED, down.getType());
        assertEquals(second.address().toString(), down.getUserData());
        assertEquals(second.address() + " disconnected: " + PeerOperations.OPERATOR_REASON, down.getMessage());
        Notification up = received.poll(10, TimeUnit.SECONDS);
        assertNotNull(up, "a connect notification after the initiator redialed");
        assertEquals(ConnectionPoolMXBean.PEER_CONNECTED, up.getType());
        assertTrue(up.getSequenceNumber() > down.getSequenceNumber());
        Await.until(Duration.ofSeconds(10), () -> "CONNECTED".equals(attribute(jmx, peer, "State"))
                && !Long.valueOf(id).equals(attribute(jmx, peer, "ConnectionId")), "reconnected with a new connection");

        // Bad input reaches the client as an error carrying a plain IllegalArgumentException.
        Exception e = assertThrows(Exception.class, () -> jmx.invoke(pool, "connectNow",
                new Object[] {"not an address"}, new String[] {String.class.getName()}));
        Throwable cause = e;
        while (cause != null && !(cause instanceof IllegalArgumentException)) {
            cause = cause.getCause();
        }
        assertNotNull(cause, () -> "IllegalArgumentException in " + e);
        assertTrue(cause.getMessage().startsWith("peer: "), cause.getMessage());
    }

    /** Every attribute and operation uses open types only, and every attribute reads as one. */
    private static void assertOpenTypesOnly(MBeanServerConnection jmx, ObjectName name) throws Exception {
        MBeanInfo info = jmx.getMBeanInfo(name);
        List<String> attributes = new ArrayList<>();
        for (MBeanAttributeInfo a : info.getAttributes()) {
            assertTrue(OPEN_TYPES.contains(a.getType()), name + " " + a.getName() + ": " + a.getType());
            attributes.add(a.getName());
        }
        for (MBeanOperationInfo op : info.getOperations()) {
            assertTrue(OPEN_TYPES.contains(op.getReturnType()), name + " " + op.getName() + " returns " + op.getReturnType());
            for (MBeanParameterInfo p : op.getSignature()) {
                assertTrue(OPEN_TYPES.contains(p.getType()), name + " " + op.getName() + " takes " + p.getType());
            }
        }
        for (Attribute a : jmx.getAttributes(name, attributes.toArray(String[]::new)).asList()) {
            Object v = a.getValue();
            assertTrue(v instanceof String || v instanceof Integer || v instanceof Long || v instanceof Boolean
                    || v instanceof String[] || v instanceof TabularData || v instanceof CompositeData[],
                    name + " " + a.getName() + " = " + v);
            if (v instanceof CompositeData[] rows) {
                // PeerRows: every item of every row is itself a plain open value.
                for (CompositeData row : rows) {
                    for (Object item : row.values()) {
                        assertTrue(item instanceof String || item instanceof Long || item instanceof String[],
                                name + " " + a.getName() + " item " + item);
                    }
                }
            }
        }
        assertEquals(attributes.size(), jmx.getAttributes(name, attributes.toArray(String[]::new)).size(),
                name + ": every attribute readable");
    }

    private static Object attribute(MBeanServerConnection jmx, ObjectName name, String attribute) {
        try {
            return jmx.getAttribute(name, attribute);
        } catch (Exception e) {
            throw new AssertionError("reading " + name + " " + attribute, e);
        }
    }

    private static int intAttribute(MBeanServerConnection jmx, ObjectName name, String attribute) {
        return (Integer) attribute(jmx, name, attribute);
    }
}
