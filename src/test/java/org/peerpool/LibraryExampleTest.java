package org.peerpool;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.peerpool.config.NodeConfig;
import org.peerpool.testing.Await;
import org.peerpool.testing.TestNet;
import org.peerpool.wire.NodeAddress;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The README's "Using it as a library" example, call for call, on two nodes: the API
 * an embedding application was promised keeps compiling and working.
 */
@Timeout(30)
class LibraryExampleTest {

    @Test
    void theReadmeExampleRuns() throws Exception {
        int port = TestNet.freePort(2);
        NodeAddress peer = NodeAddress.parse("127.0.0.2:" + port);
        Agent other = Agent.create(NodeConfig.builder(InetAddress.getByName("127.0.0.2")).port(port)
                .addPeer(NodeAddress.parse("127.0.0.1:" + port)).build());
        // As in the README, with this test's port.
        Agent agent = Agent.create(NodeConfig.builder(InetAddress.getByName("127.0.0.1")).port(port)
                .addPeer(peer).build());
        List<String> received = new CopyOnWriteArrayList<>();
        List<PeerEvent.Kind> events = new CopyOnWriteArrayList<>();
        other.onPayload((from, topic, data) -> received.add(from + " " + topic + " " + new String(data)));
        agent.onPeerEvent(event -> events.add(event.kind()));
        try {
            other.start();
            agent.start();
            Await.until(Duration.ofSeconds(10), () -> agent.pool().isConnected(peer), "connected");
            byte[] bytes = "hello".getBytes();
            agent.send(peer, "tx", bytes).join();
            Map<NodeAddress, CompletableFuture<Void>> sent = agent.broadcast("block", bytes);
            assertEquals(List.of(peer), List.copyOf(sent.keySet()));
            sent.get(peer).get(15, TimeUnit.SECONDS);
            Await.until(Duration.ofSeconds(15), () -> received.size() == 2, () -> "received " + received);
            assertEquals(List.of(agent.address() + " tx hello", agent.address() + " block hello"), received);
            // Listeners hear events on their own thread: on a loaded machine, after the payloads arrived.
            Await.until(Duration.ofSeconds(15), () -> events.contains(PeerEvent.Kind.CONNECTED), events::toString);
            assertArrayEquals(new PeerEvent.Kind[] {PeerEvent.Kind.ADDED, PeerEvent.Kind.CONNECTED},
                    events.subList(0, 2).toArray());
        } finally {
            agent.stop();
            other.stop();
        }
    }
}
