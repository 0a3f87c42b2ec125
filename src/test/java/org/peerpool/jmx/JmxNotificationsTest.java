package org.peerpool.jmx;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import javax.management.Notification;
import javax.management.ObjectName;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.peerpool.Agent;
import org.peerpool.ConnectionPoolMXBean;
import org.peerpool.testing.RawPeer;
import org.peerpool.testing.TestNet;
import org.peerpool.wire.Message;
import org.peerpool.wire.NodeAddress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A JMX listener on the ConnectionPool bean hears every connection come up and go
 * down, with the peer's address as user data and the reason in the message, for each
 * way a connection can end. The node under test is 127.0.0.2; a {@link RawPeer} plays
 * its initiator 127.0.0.1.
 */
@Timeout(30)
class JmxNotificationsTest {

    /** One way a connection ends, and the reason the node must give. */
    enum Ending {
        GOODBYE_RECEIVED("peer said goodbye: shutting down", 180) {
            @Override
            void happen(Scene s) throws IOException {
                s.raw.send(new Message.Goodbye("shutting down"));
            }
        },
        CLOSED_BY_PEER("connection closed by peer", 180) {
            @Override
            void happen(Scene s) throws IOException {
                s.raw.close();
            }
        },
        RESET_BY_PEER("I/O error: ", 180) {
            @Override
            void happen(Scene s) throws IOException {
                // Linger 0 makes close() send RST: the node's next read fails, as a failed write would.
                s.raw.socket().setSoLinger(true, 0);
                s.raw.close();
            }
        },
        PROTOCOL_VIOLATION("protocol violation: HANDSHAKE after the handshake", 180) {
            @Override
            void happen(Scene s) throws IOException {
                s.raw.send(new Message.Handshake(1, s.peer.toString()));
            }
        },
        SUPERSEDED("superseded", 180) {
            @Override
            void happen(Scene s) throws IOException {
                s.second = RawPeer.connect(s.peer.ip(), s.node.address());
                s.second.handshakeAs(s.peer);
            }
        },
        IDLE_TIMEOUT("idle timeout: nothing received for 1 s", 1) {
            @Override
            void happen(Scene s) {
                // The raw peer sends nothing more.
            }
        },
        REMOVED_FROM_PEER_LIST("removed from peer list", 180) {
            @Override
            void happen(Scene s) throws IOException {
                s.node.apply(s.node.pool().config().toBuilder().peers(s.node.pool().config().peers().stream().filter(p -> !p.equals(s.peer)).toList()).build());
            }
        },
        DISCONNECTED_BY_OPERATOR("disconnected by operator", 180) {
            @Override
            void happen(Scene s) {
                s.nodes.pool(s.node).disconnect(s.peer.toString());
            }
        },
        NODE_SHUTTING_DOWN("shutting down", 180) {
            @Override
            void happen(Scene s) {
                s.node.stop();
            }
        };

        final String reason;
        final int idleTimeoutS;

        Ending(String reason, int idleTimeoutS) {
            this.reason = reason;
            this.idleTimeoutS = idleTimeoutS;
        }

        abstract void happen(Scene s) throws IOException;
    }

    /** What an {@link Ending} acts on. */
    static final class Scene {
        final JmxNodes nodes;
        final Agent node;
        final NodeAddress peer;
        final RawPeer raw;
        RawPeer second;

        Scene(JmxNodes nodes, Agent node, NodeAddress peer, RawPeer raw) {
            this.nodes = nodes;
            this.node = node;
            this.peer = peer;
            this.raw = raw;
        }
    }

    private final JmxNodes nodes = new JmxNodes();
    private final List<RawPeer> raws = new ArrayList<>();

    @AfterEach
    void stop() throws IOException {
        for (RawPeer r : raws) {
            r.close();
        }
        nodes.close();
    }

    @ParameterizedTest
    @EnumSource(Ending.class)
    void aListenerHearsTheConnectionComeAndGoWithItsReason(Ending ending) throws Exception {
        int port = TestNet.freePort(2);
        NodeAddress peer = TestNet.address(1, port);
        Agent node = nodes.agent(TestNet.mesh(1, 2, port).get(1).idleTimeoutS(ending.idleTimeoutS).build());
        node.start();
        ObjectName pool = JmxNames.pool(node.address());
        BlockingQueue<Notification> heard = new LinkedBlockingQueue<>();
        nodes.server.addNotificationListener(pool, (n, handback) -> heard.add(n), null, null);

        RawPeer raw = RawPeer.connect(peer.ip(), node.address());
        raws.add(raw);
        // A 100 ms heartbeat in its limits: the idle timeout of 1 s is not raised to three of its beats.
        assertTrue(raw.handshakeAs(peer, new Message.Limits(4194304, 100)).accepted());
        Notification up = next(heard, ConnectionPoolMXBean.PEER_CONNECTED);
        assertEquals(peer + " connected: INBOUND", up.getMessage());
        assertEquals(peer.toString(), up.getUserData());
        assertEquals(pool, up.getSource());

        Scene scene = new Scene(nodes, node, peer, raw);
        ending.happen(scene);
        if (scene.second != null) {
            raws.add(scene.second);
        }

        Notification down = next(heard, ConnectionPoolMXBean.PEER_DISCONNECTED);
        assertTrue(down.getMessage().startsWith(peer + " disconnected: " + ending.reason),
                () -> "expected reason '" + ending.reason + "' in: " + down.getMessage());
        assertEquals(peer.toString(), down.getUserData());
        assertEquals(pool, down.getSource());
        assertTrue(down.getSequenceNumber() > up.getSequenceNumber(), "sequence numbers increase");
        assertTrue(down.getTimeStamp() >= up.getTimeStamp());
        if (ending == Ending.REMOVED_FROM_PEER_LIST) {
            Notification removed = next(heard, ConnectionPoolMXBean.PEER_REMOVED);
            assertTrue(removed.getMessage().startsWith(peer + " removed: "), removed.getMessage());
            assertEquals(peer.toString(), removed.getUserData());
            assertTrue(removed.getSequenceNumber() > down.getSequenceNumber());
        }
    }

    /** The next notification of {@code type}, skipping others; fails after 10 s. */
    private static Notification next(BlockingQueue<Notification> heard, String type) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            Notification n = heard.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            assertNotNull(n, () -> "no " + type + " notification within 10 s");
            if (n.getType().equals(type)) {
                return n;
            }
        }
    }
}
