package org.peerpool;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.peerpool.PeerEvent.Direction;
import org.peerpool.config.NodeConfig;
import org.peerpool.testing.Await;
import org.peerpool.testing.RawPeer;
import org.peerpool.testing.TestNet;
import org.peerpool.wire.Message;
import org.peerpool.wire.NodeAddress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * IPv6 nodes (PROTOCOL.md section 1): addresses written {@code [::1]:PORT} on the wire,
 * ordered by port on the same IP, and IPv6 below every IPv4-mapped address.
 */
@Timeout(30)
class Ipv6Test {

    private final List<Agent> agents = new ArrayList<>();

    @AfterEach
    void stopAll() {
        agents.forEach(Agent::stop);
    }

    private static InetAddress loopback6() throws IOException {
        InetAddress ip = InetAddress.getByName("::1");
        try (ServerSocket probe = new ServerSocket()) {
            probe.bind(new InetSocketAddress(ip, 0));
        } catch (IOException e) {
            Assumptions.abort("IPv6 loopback ::1 is not available here: " + e.getMessage());
        }
        return ip;
    }

    @Test
    void twoIpv6NodesConnectOnceByPortOrder() throws Exception {
        InetAddress ip = loopback6();
        int low = TestNet.freePort(1);
        int high = low + 1;
        NodeAddress a = NodeAddress.of(ip, low);
        NodeAddress b = NodeAddress.of(ip, high);
        assertEquals("[::1]:" + low, a.toString());
        for (NodeAddress self : List.of(a, b)) {
            Agent agent = Agent.builder(TestNet.fast(NodeConfig.builder(ip).port(self.port())).peers(List.of(a, b)).build())
                    .ioThreads(1).mbeanServer(null).build();
            agents.add(agent);
            agent.listen();
        }
        for (Agent agent : agents) {
            agent.start();
        }
        Await.until(Duration.ofSeconds(15), () -> agents.get(0).pool().isConnected(b) && agents.get(1).pool().isConnected(a),
                "IPv6 pair connected");
        assertEquals(Direction.OUTBOUND, agents.get(0).pool().snapshot(b).orElseThrow().direction(), "lower port dials");
        assertEquals(Direction.INBOUND, agents.get(1).pool().snapshot(a).orElseThrow().direction());
        assertEquals("::1", agents.get(0).pool().snapshot(b).orElseThrow().observedIp(), "your_ip is the bare IPv6 text");
        assertEquals(1, agents.get(0).pool().connectAttempts() + agents.get(1).pool().connectAttempts(),
                "one dial in all, by the lower address");
    }

    @Test
    void aRawIpv6PeerHandshakesWithTheBracketedForm() throws Exception {
        InetAddress ip = loopback6();
        int port = TestNet.freePort(1);
        NodeAddress me = NodeAddress.of(ip, port);
        NodeAddress agentAddress = NodeAddress.of(ip, port + 1);
        Agent agent = Agent.builder(TestNet.fast(NodeConfig.builder(ip).port(port + 1)).addPeer(me).reverseDialAfterS(0)
                .build()).ioThreads(1).mbeanServer(null).build();
        agents.add(agent);
        agent.start();
        try (RawPeer peer = RawPeer.connect(ip, agentAddress)) {
            peer.send(new Message.Handshake(1, "[::1]:" + port));
            Message.HandshakeAck ack = (Message.HandshakeAck) peer.read();
            assertTrue(ack.accepted(), "accepted: " + ack);
            assertEquals("::1", ack.yourIp());
            assertEquals("[::1]:" + (port + 1), ack.myAddress());
            assertTrue(ip instanceof Inet6Address);
        }
    }
}
