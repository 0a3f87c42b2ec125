package org.peerpool.tls;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.peerpool.Agent;
import org.peerpool.testing.Await;
import org.peerpool.testing.Capture;
import org.peerpool.testing.Keys;
import org.peerpool.testing.TestNet;
import org.peerpool.testing.TlsNodes;
import org.peerpool.wire.NodeAddress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 11, item 1: four nodes in {@code required} mode, each pinning the other three,
 * form the exact mesh over TLS 1.3, and a capture of the loopback traffic holds none of
 * their HANDSHAKE, ANNOUNCE or PAYLOAD bytes in the clear, while the same markers are
 * found for a plaintext pair captured alongside (so the check can fail).
 */
@Timeout(60)
class TlsMeshTest {

    private static final int[] MESH = {1, 2, 3, 4};
    private static final String TOPIC = "tls-mesh-secret-topic";
    private static final String DATA = "tls-mesh-secret-data-0123456789";

    @TempDir
    Path dir;

    private TlsNodes tls;
    private TlsNodes plain;

    @BeforeAll
    static void keys() {
        Keys.prepare("n1", "n2", "n3", "n4");
    }

    @AfterEach
    void stop() {
        if (tls != null) {
            tls.close();
        }
        if (plain != null) {
            plain.close();
        }
    }

    /** Node i pins every other node's key and runs {@code required}; one heartbeat a second, so ANNOUNCEs flow. */
    private static TlsNodes.Text requiredNode(TlsNodes nodes, int i) {
        TlsNodes.Text t = new TlsNodes.Text(nodes.address(i)).tls("required")
                .connection("heartbeat_interval_s = 1").connection("idle_timeout_s = 10");
        for (int j : MESH) {
            if (j != i) {
                t.peer(nodes.address(j), Keys.get("n" + j).pin());
            }
        }
        return t;
    }

    private void startRequiredMesh(int port) throws Exception {
        tls = new TlsNodes(dir.resolve("tls"), port);
        for (int i : MESH) {
            tls.installKey(i, Keys.get("n" + i));
            tls.save(i, requiredNode(tls, i));
        }
        tls.startAll(MESH);
        tls.awaitWhole(Duration.ofSeconds(10), MESH);
    }

    @Test
    void fourRequiredNodesFormTheExactMeshOverTls13WithThePinnedKeys() throws Exception {
        startRequiredMesh(TestNet.freePort(4));
        for (int i : MESH) {
            assertEquals(3, tls.pool(i, "ConnectionCount"), "node " + i);
            assertEquals(4 - i, tls.pool(i, "OutboundCount"), "node " + i + " dials exactly the higher nodes");
            assertEquals("required", tls.pool(i, "TlsMode"));
            assertEquals(Keys.get("n" + i).pin(), tls.pool(i, "LocalKeyPin"), "node " + i + "'s own pin");
            assertEquals(0L, tls.pool(i, "KeyMismatches"));
            for (int j : MESH) {
                if (j == i) {
                    continue;
                }
                String security = (String) tls.peer(i, j, "Security");
                assertTrue(security.startsWith("TLSv1.3 TLS_"), i + " with " + j + ": Security = " + security);
                assertEquals(Keys.get("n" + j).pin(), tls.peer(i, j, "PeerKeyPin"), i + " sees " + j + "'s key");
                assertEquals(i < j ? "OUTBOUND" : "INBOUND", tls.peer(i, j, "Direction"), i + " with " + j);
            }
        }
    }

    @Test
    void noHandshakeAnnounceOrPayloadBytesCrossTheWireInTheClear() throws Exception {
        String why = Capture.unavailableReason();
        Assumptions.assumeTrue(why == null, () -> "no packet capture here: " + why);
        int tlsPort = TestNet.freePort(6);
        int plainPort = TestNet.freePort(6);
        try (Capture capture = Capture.start(dir.resolve("lo.pcap"), tlsPort, plainPort)) {
            startRequiredMesh(tlsPort);
            // The control: a plaintext pair on 127.0.0.5 and .6, on its own port, doing the same.
            plain = new TlsNodes(dir.resolve("plain"), plainPort);
            for (int i = 5; i <= 6; i++) {
                plain.save(i, new TlsNodes.Text(plain.address(i)).peer(plain.address(11 - i))
                        .connection("heartbeat_interval_s = 1").connection("idle_timeout_s = 10"));
            }
            plain.startAll(5, 6);
            plain.awaitWhole(Duration.ofSeconds(10), 5, 6);

            AtomicInteger tlsGot = new AtomicInteger();
            AtomicInteger plainGot = new AtomicInteger();
            Map<String, Boolean> wrong = new ConcurrentHashMap<>();
            for (Agent a : tls.agents()) {
                a.onPayload((from, topic, data) -> count(tlsGot, topic, TOPIC, data, wrong));
            }
            for (Agent a : plain.agents()) {
                a.onPayload((from, topic, data) -> count(plainGot, topic, TOPIC + "-plain", data, wrong));
            }
            for (Agent a : tls.agents()) {
                a.broadcast(TOPIC, DATA.getBytes(StandardCharsets.UTF_8));
            }
            for (Agent a : plain.agents()) {
                a.broadcast(TOPIC + "-plain", DATA.getBytes(StandardCharsets.UTF_8));
            }
            Await.until(Duration.ofSeconds(15), () -> tlsGot.get() == 12 && plainGot.get() == 2,
                    () -> "payloads delivered: tls " + tlsGot + "/12, plain " + plainGot + "/2");
            assertEquals(Map.of(), wrong, "payloads arrived intact");
            // Every end has had an ANNOUNCE, so the capture holds some on every connection.
            Await.until(Duration.ofSeconds(15), () -> announced(tls, MESH) && announced(plain, 5, 6), "ANNOUNCEs on every link");
            // The ANNOUNCE node 5 sends after its next one (heartbeats are a second apart) leaves after all of the
            // above arrived: once the capture holds it, it holds them.
            long next = (Long) plain.peer(6, 5, "LastAnnounceSequence") + 2;
            byte[] later = announce(plain.address(5));
            later = java.nio.ByteBuffer.allocate(later.length + 8).put(later).putLong(next).array();
            capture.stopOnceSeen(later, Duration.ofSeconds(15));

            // The control first: the markers are there for the plaintext pair.
            for (int i = 5; i <= 6; i++) {
                NodeAddress a = plain.address(i);
                if (i == 5) {
                    assertFalse(capture.streamsContaining(handshake(a)).isEmpty(), "control: HANDSHAKE of " + a + " seen");
                }
                assertFalse(capture.streamsContaining(announce(a)).isEmpty(), () -> "control: ANNOUNCE of " + a + " seen: " + capture.describe() + " " + capture.streams().entrySet().stream().filter(e -> e.getKey().contains(":" + plainPort)).map(e -> e.getKey() + "=" + java.util.HexFormat.of().formatHex(e.getValue())).toList());
            }
            assertEquals(2, capture.streamsContaining(payload(TOPIC + "-plain")).size(), "control: both PAYLOADs seen");
            assertEquals(2, capture.streamsContaining(utf8(DATA)).size(), "control: both payloads' data seen");

            // The TLS mesh: plenty of bytes, none of them a marker.
            assertTrue(capture.bytesOnPort(tlsPort) > 12 * 1000, "TLS traffic was captured: " + capture.describe());
            long tlsFlows = capture.streams().keySet().stream().filter(k -> k.contains(":" + tlsPort)).count();
            assertTrue(tlsFlows >= 12, tlsFlows + " flows, expected both directions of six connections: " + capture.describe());
            for (var e : capture.streams().entrySet()) {
                if (e.getKey().endsWith(":" + tlsPort)) {
                    assertEquals(0x16, e.getValue()[0], e.getKey() + " starts with a TLS handshake record");
                }
            }
            for (int i : MESH) {
                NodeAddress a = tls.address(i);
                assertEquals(List.of(), tlsStreams(capture, utf8(a.toString()), tlsPort), "address " + a + " in the clear");
            }
            assertEquals(List.of(), tlsStreams(capture, utf8(TOPIC), tlsPort), "payload topic in the clear");
            assertEquals(List.of(), tlsStreams(capture, utf8(DATA), tlsPort), "payload data in the clear");
        }
    }

    private static void count(AtomicInteger n, String topic, String expected, byte[] data, Map<String, Boolean> wrong) {
        if (topic.equals(expected) && new String(data, StandardCharsets.UTF_8).equals(DATA)) {
            n.incrementAndGet();
        } else {
            wrong.put(topic, true);
        }
    }

    private static boolean announced(TlsNodes nodes, int... ids) {
        for (int i : ids) {
            for (int j : ids) {
                if (i != j && (Long) nodes.peer(i, j, "LastAnnounceSequence") < 0) {
                    return false;
                }
            }
        }
        return true;
    }

    private static List<String> tlsStreams(Capture c, byte[] marker, int port) {
        return c.streamsContaining(marker).stream().filter(k -> k.contains(":" + port)).toList();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** {@code STR}: u16 length, then the bytes (PROTOCOL.md 2). */
    private static byte[] str(byte type, byte[] prefix, String s) {
        byte[] b = utf8(s);
        byte[] out = new byte[1 + prefix.length + 2 + b.length];
        out[0] = type;
        System.arraycopy(prefix, 0, out, 1, prefix.length);
        out[1 + prefix.length] = (byte) (b.length >> 8);
        out[2 + prefix.length] = (byte) b.length;
        System.arraycopy(b, 0, out, 3 + prefix.length, b.length);
        return out;
    }

    /** A HANDSHAKE body's start: type 0x01, protocol_version 1, my_address. */
    private static byte[] handshake(NodeAddress a) {
        return str((byte) 0x01, new byte[] {0, 0, 0, 1}, a.toString());
    }

    /** An ANNOUNCE body's start: type 0x10, address. */
    private static byte[] announce(NodeAddress a) {
        return str((byte) 0x10, new byte[0], a.toString());
    }

    /** A PAYLOAD body's start: type 0x11, topic. */
    private static byte[] payload(String topic) {
        return str((byte) 0x11, new byte[0], topic);
    }
}
