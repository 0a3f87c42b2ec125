package org.peerpool.jmx;

import java.time.Duration;
import java.util.List;

import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.peerpool.Agent;
import org.peerpool.testing.Await;
import org.peerpool.testing.RawPeer;
import org.peerpool.testing.TestNet;
import org.peerpool.wire.NodeAddress;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The ConnectionPool bean's {@code PeerRows} (issue 20: a thousand peers in one JMX
 * read): one row per peer in address order, each item equal to the Peer bean's
 * attribute of the same name, for a connected peer and for one that is not.
 */
@Timeout(30)
class JmxPeerRowsTest {

    /** The Peer bean attributes a row carries. */
    private static final List<String> ITEMS = List.of("Address", "State", "Direction", "ConnectedSince", "MessagesIn",
            "MessagesOut", "BytesIn", "BytesOut", "Security", "LastError", "Sources");

    private final JmxNodes nodes = new JmxNodes();

    @AfterEach
    void stop() {
        nodes.close();
    }

    @Test
    void everyRowEqualsItsPeerBean() throws Exception {
        int port = TestNet.freePort(3);
        NodeAddress connected = TestNet.address(1, port);
        NodeAddress away = TestNet.address(3, port);
        Agent node = nodes.agent(TestNet.mesh(1, 3, port).get(1).build());
        ObjectName pool = JmxNames.pool(node.address());
        node.start();
        try (RawPeer raw = RawPeer.connect(connected.ip(), node.address())) {
            raw.handshakeAs(connected);
            Await.until(Duration.ofSeconds(10), () -> node.pool().isConnected(connected), "connected");
            CompositeData[] rows = (CompositeData[]) nodes.server.getAttribute(pool, "PeerRows");
            assertEquals(2, rows.length);
            assertEquals(List.of(connected.toString(), away.toString()),
                    List.of(rows[0].get("address"), rows[1].get("address")));
            assertEquals("CONNECTED", rows[0].get("state"));
            assertEquals(ITEMS.size(), rows[0].getCompositeType().keySet().size(), "no item beyond these");
            for (CompositeData row : rows) {
                ObjectName bean = JmxNames.peer(node.address(), NodeAddress.parse((String) row.get("address")));
                for (String item : ITEMS) {
                    Object value = row.get(Character.toLowerCase(item.charAt(0)) + item.substring(1));
                    Object fromBean = nodes.server.getAttribute(bean, item);
                    if (value instanceof String[] a) {
                        assertArrayEquals((String[]) fromBean, a, item);
                    } else if (!item.startsWith("Messages") && !item.startsWith("Bytes")) {
                        assertEquals(fromBean, value, row.get("address") + " " + item);
                    } else {
                        // Counters may move between the two reads, never backwards.
                        assertEquals(true, (Long) fromBean >= (Long) value, row.get("address") + " " + item);
                    }
                }
            }
        }
    }
}
