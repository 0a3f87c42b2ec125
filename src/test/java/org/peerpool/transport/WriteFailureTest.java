package org.peerpool.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledThreadPoolExecutor;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.peerpool.PeerEvent;
import org.peerpool.config.NodeConfig;
import org.peerpool.pool.ConnectionPool;
import org.peerpool.pool.TransportEvents;
import org.peerpool.testing.Await;
import org.peerpool.testing.RawPeer;
import org.peerpool.testing.TestNet;
import org.peerpool.wire.Message;
import org.peerpool.wire.NodeAddress;

/**
 * A reset that the node meets on a write rather than a read. MINA closes such a
 * session without reporting the write's error, so before the fix the pool gave
 * "connection closed by peer" for a peer that had reset the connection; it must
 * give an I/O error. The node's read is held back so that its write meets the reset
 * first, as it does when a heartbeat or a VIEW goes out just as the reset arrives.
 */
@Timeout(30)
class WriteFailureTest {

    private final ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1);
    private final ExecutorService events = Executors.newSingleThreadExecutor();
    private Transport transport;
    private RawPeer raw;

    @AfterEach
    void stop() throws IOException {
        if (raw != null) {
            raw.close();
        }
        if (transport != null) {
            transport.dispose();
        }
        timer.shutdownNow();
        events.shutdownNow();
    }

    @Test
    void aResetMetByAWriteIsAnIoErrorNotAClose() throws Exception {
        int port = TestNet.freePort(2);
        NodeAddress peer = TestNet.address(1, port);
        NodeConfig config = TestNet.mesh(1, 2, port).get(1).build();
        ConnectionPool pool = new ConnectionPool(config, timer, events);
        List<PeerEvent> heard = new CopyOnWriteArrayList<>();
        pool.addPeerListener(heard::add);
        LinkCatcher links = new LinkCatcher(pool.transportEvents());
        transport = new Transport(links.events(), "write-failure", 1, a -> true);
        pool.open();
        transport.bind(pool.self());
        pool.startDialing(transport);

        raw = RawPeer.connect(peer.ip(), pool.self());
        assertTrue(raw.handshakeAs(peer).accepted());
        Await.until(Duration.ofSeconds(10), () -> pool.isConnected(peer), "the raw peer connected");

        links.accepted.session().suspendRead();
        // Linger 0: close() sends RST, which the node's next write meets.
        raw.socket().setSoLinger(true, 0);
        raw.close();
        Await.until(Duration.ofSeconds(10), () -> {
            pool.send(peer, new Message.Payload("t", new byte[16]));
            return !pool.isConnected(peer);
        }, "a write met the reset and the connection ended");

        Await.until(Duration.ofSeconds(10),
                () -> heard.stream().anyMatch(e -> e.kind() == PeerEvent.Kind.DISCONNECTED), "the disconnect heard");
        PeerEvent down = heard.stream().filter(e -> e.kind() == PeerEvent.Kind.DISCONNECTED).findFirst().orElseThrow();
        assertEquals(peer, down.peer());
        assertTrue(down.reason().startsWith("I/O error: write failed"), () -> "the reason given: " + down.reason());
    }

    /** Passes every event on to the pool, keeping the accepted link to hold back its reads. */
    private static final class LinkCatcher {
        private final TransportEvents pool;
        volatile MinaLink accepted;

        LinkCatcher(TransportEvents pool) {
            this.pool = pool;
        }

        TransportEvents events() {
            return (TransportEvents) Proxy.newProxyInstance(TransportEvents.class.getClassLoader(),
                    new Class<?>[] {TransportEvents.class}, (proxy, method, args) -> {
                        if (method.getName().equals("onAccepted")) {
                            accepted = (MinaLink) args[0];
                        }
                        try {
                            return method.invoke(pool, args);
                        } catch (InvocationTargetException e) {
                            throw e.getCause();
                        }
                    });
        }
    }
}
