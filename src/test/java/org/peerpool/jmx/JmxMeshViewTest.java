package org.peerpool.jmx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import javax.management.Notification;
import javax.management.ObjectName;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.peerpool.Agent;
import org.peerpool.ConnectionPoolMXBean;
import org.peerpool.testing.RawPeer;
import org.peerpool.testing.TestNet;
import org.peerpool.wire.NodeAddress;

/**
 * The mesh view over JMX: the ConnectionPool bean's {@code MeshPairs},
 * {@code MeshMissingPairs} and {@code MeshMissingPairCount}, and the
 * {@code peerpool.mesh.changed} notification with the new missing set as user data,
 * as the one listed peer (a {@link RawPeer} on 127.0.0.1) comes and goes.
 */
@Timeout(30)
class JmxMeshViewTest {

    private final JmxNodes nodes = new JmxNodes();

    @AfterEach
    void stop() {
        nodes.close();
    }

    @Test
    void theBeanShowsThePairAndNotifiesWhenItGoesMissingAndComesBack() throws Exception {
        int port = TestNet.freePort(2);
        NodeAddress peer = TestNet.address(1, port);
        Agent node = nodes.agent(TestNet.mesh(1, 2, port).get(1).build());
        ObjectName pool = JmxNames.pool(node.address());
        BlockingQueue<Notification> heard = new LinkedBlockingQueue<>();
        node.start();
        nodes.server.addNotificationListener(pool, (n, handback) -> {
            if (n.getType().equals(ConnectionPoolMXBean.MESH_CHANGED)) {
                heard.add(n);
            }
        }, null, null);
        String pair = peer + " " + node.address();

        // The listed peer has not connected: its pair is missing (heard now, or already before the listener).
        assertArrayEquals(new String[] {pair}, (String[]) nodes.server.getAttribute(pool, "MeshMissingPairs"));
        assertEquals(1, nodes.server.getAttribute(pool, "MeshMissingPairCount"));
        assertArrayEquals(new String[0], (String[]) nodes.server.getAttribute(pool, "MeshPairs"));

        try (RawPeer raw = RawPeer.connect(peer.ip(), node.address())) {
            assertTrue(raw.handshakeAs(peer).accepted());
            // The start's own "missing" may come first, if the listener was there before the first judgement.
            Notification whole = next(heard, "mesh whole");
            assertEquals("mesh whole", whole.getMessage());
            assertArrayEquals(new String[0], (String[]) whole.getUserData());
            assertEquals(pool, whole.getSource());
            assertArrayEquals(new String[] {pair}, (String[]) nodes.server.getAttribute(pool, "MeshPairs"));
            assertEquals(0, nodes.server.getAttribute(pool, "MeshMissingPairCount"));
        }
        Notification missing = next(heard, "1 pair(s) missing: " + pair);
        assertEquals("1 pair(s) missing: " + pair, missing.getMessage());
        assertArrayEquals(new String[] {pair}, (String[]) missing.getUserData());
    }

    /** The next mesh notification with {@code message}, skipping others; fails after 10 s. */
    private static Notification next(BlockingQueue<Notification> heard, String message) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            Notification n = heard.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            assertNotNull(n, () -> "no peerpool.mesh.changed '" + message + "' within 10 s");
            if (n.getMessage().equals(message)) {
                return n;
            }
        }
    }
}
