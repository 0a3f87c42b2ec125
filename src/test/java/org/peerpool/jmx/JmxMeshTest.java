package org.peerpool.jmx;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.peerpool.Agent;
import org.peerpool.ConnectionPoolMXBean;
import org.peerpool.PeerMXBean;
import org.peerpool.testing.Await;
import org.peerpool.testing.TestNet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A four-node mesh read only through {@code JMX.newMXBeanProxy}, as JConsole would:
 * counts, directions and peer lists on each pool bean, state and live traffic
 * counters on each Peer bean.
 */
@Timeout(60)
class JmxMeshTest {

    private final JmxNodes nodes = new JmxNodes();

    @AfterEach
    void stop() {
        nodes.close();
    }

    @Test
    void everyPoolAndPeerBeanDescribesTheMesh() throws Exception {
        List<Agent> mesh = nodes.mesh(4, TestNet.freePort(4));
        Await.until(Duration.ofSeconds(10), () -> mesh.stream().allMatch(a -> nodes.pool(a).getConnectionCount() == 3),
                "every pool bean reports ConnectionCount 3");
        nodes.awaitBeans(mesh);

        for (int i = 0; i < 4; i++) {
            Agent a = mesh.get(i);
            ConnectionPoolMXBean pool = nodes.pool(a);
            List<String> others = new ArrayList<>();
            mesh.stream().filter(b -> b != a).forEach(b -> others.add(b.address().toString()));
            assertEquals(a.address().toString(), pool.getLocalAddress());
            assertEquals(3, pool.getConnectionCount(), a + " ConnectionCount");
            // Node i dials the 3 - i nodes above it; the i below dial it.
            assertEquals(3 - i, pool.getOutboundCount(), a.address() + " OutboundCount");
            assertEquals(i, pool.getInboundCount(), a.address() + " InboundCount");
            assertArrayEquals(others.toArray(String[]::new), pool.getConnectedPeers(), "ConnectedPeers, sorted");
            assertArrayEquals(others.toArray(String[]::new), pool.getConfiguredPeers(), "ConfiguredPeers, sorted");
            assertArrayEquals(new String[0], pool.getDisconnectedPeers());
            assertEquals(3 - i, pool.getConnectAttempts(), a.address() + " ConnectAttempts");
            assertEquals(0, pool.getHandshakeFailures());
            assertEquals(0, pool.getProtocolViolations());
            assertEquals(0, pool.getSuperseded());

            for (int j = 0; j < 4; j++) {
                if (j == i) {
                    continue;
                }
                PeerMXBean peer = nodes.peer(a, mesh.get(j));
                String where = a.address() + " -> " + mesh.get(j).address();
                assertEquals(mesh.get(j).address().toString(), peer.getAddress(), where);
                assertEquals("CONNECTED", peer.getState(), where);
                assertEquals(i < j ? "OUTBOUND" : "INBOUND", peer.getDirection(), where);
                assertEquals(i < j ? "INITIATOR" : "RESPONDER", peer.getRole(), where);
                assertTrue(peer.isConfigured(), where);
                assertEquals(false, peer.isReverse(), where);
                assertTrue(Instant.parse(peer.getConnectedSince()).isBefore(Instant.now()), where);
                assertTrue(peer.getConnectionId() > 0, where);
                assertTrue(peer.getLastMessageAgeMillis() >= 0, where);
                assertEquals(0, peer.getFailedAttempts(), where);
                assertEquals("", peer.getLastError(), where);
                // The dialed end of a TCP connection is the listen port.
                String listenEnd = i < j ? peer.getRemoteSocket() : peer.getLocalSocket();
                assertTrue(listenEnd.endsWith(":" + a.address().port()), where + ": " + listenEnd);
            }
        }

        Map<PeerMXBean, long[]> before = new HashMap<>();
        for (Agent a : mesh) {
            for (Agent b : mesh) {
                if (a != b) {
                    PeerMXBean p = nodes.peer(a, b);
                    before.put(p, counters(p));
                }
            }
        }
        for (Agent a : mesh) {
            for (int k = 0; k < 5; k++) {
                a.broadcast("test", new byte[100]);
            }
        }
        for (Map.Entry<PeerMXBean, long[]> e : before.entrySet()) {
            PeerMXBean p = e.getKey();
            long[] was = e.getValue();
            Await.until(Duration.ofSeconds(10), () -> {
                long[] now = counters(p);
                return now[0] >= was[0] + 5 && now[1] >= was[1] + 5 && now[2] >= was[2] + 500 && now[3] >= was[3] + 500;
            }, () -> "counters of " + p.getAddress() + " rose from " + Arrays.toString(was)
                    + " to " + Arrays.toString(counters(p)));
        }
    }

    /** MessagesIn, MessagesOut, BytesIn, BytesOut. */
    private static long[] counters(PeerMXBean p) {
        return new long[] {p.getMessagesIn(), p.getMessagesOut(), p.getBytesIn(), p.getBytesOut()};
    }
}
