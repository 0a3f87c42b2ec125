package org.peerpool;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.peerpool.config.NodeConfig;
import org.peerpool.testing.Await;
import org.peerpool.testing.TestNet;
import org.peerpool.wire.NodeAddress;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** An embedder can take back the listeners it gave an agent. */
@Timeout(30)
class ListenerRemovalTest {

    @Test
    void aRemovedListenerHearsNothingMore() throws Exception {
        int port = TestNet.freePort(2);
        NodeAddress one = TestNet.address(1, port);
        NodeAddress two = TestNet.address(2, port);
        Agent a = Agent.create(NodeConfig.builder(InetAddress.getByName("127.0.0.1")).port(port).addPeer(two).build());
        Agent b = Agent.create(NodeConfig.builder(InetAddress.getByName("127.0.0.2")).port(port).addPeer(one).build());
        List<String> payloads = new CopyOnWriteArrayList<>();
        List<String> kept = new CopyOnWriteArrayList<>();
        List<PeerEvent.Kind> events = new CopyOnWriteArrayList<>();
        PayloadListener removed = (from, topic, data) -> payloads.add(topic);
        PeerListener removedEvents = e -> events.add(e.kind());
        b.onPayload(removed);
        b.onPayload((from, topic, data) -> kept.add(topic));
        b.onPeerEvent(removedEvents);
        try {
            a.start();
            b.start();
            Await.until(Duration.ofSeconds(15), () -> a.pool().isConnected(two) && events.contains(PeerEvent.Kind.CONNECTED),
                    "connected");
            a.send(two, "first", new byte[1]).get(15, TimeUnit.SECONDS);
            Await.until(Duration.ofSeconds(15), () -> kept.size() == 1, "first delivered");
            b.removePayloadListener(removed);
            b.removePeerListener(removedEvents);
            int eventsBefore = events.size();
            a.send(two, "second", new byte[1]).get(15, TimeUnit.SECONDS);
            Await.until(Duration.ofSeconds(15), () -> kept.size() == 2, "second delivered to the listener kept");
            a.stop();
            Await.until(Duration.ofSeconds(15), () -> !b.pool().isConnected(one), "b saw a go");
            assertEquals(List.of("first"), payloads, "the removed payload listener got only the first");
            assertEquals(eventsBefore, events.size(), "the removed peer listener heard nothing of the disconnect");
        } finally {
            a.stop();
            b.stop();
        }
    }
}
