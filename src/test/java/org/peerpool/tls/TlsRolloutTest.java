package org.peerpool.tls;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.peerpool.testing.Await;
import org.peerpool.testing.Keys;
import org.peerpool.testing.PairChecker;
import org.peerpool.testing.TestNet;
import org.peerpool.testing.TlsNodes;
import org.peerpool.wire.Message;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 11, item 2: the three-step rollout of PROTOCOL.md 7 on four running agents,
 * never restarted, one saved edit of each node's INI per step: {@code off} ->
 * {@code optional} with keys -> pins added -> {@code required}. After every save the
 * mesh is whole within 2 s, the pair checker never sees two connections for a pair,
 * and every connection the save did not concern keeps its ConnectionId at both ends.
 * The only connections a step may re-form are those of the pins step, where the node
 * that just saved its pins moves the plaintext links it initiates to TLS.
 */
@Timeout(90)
class TlsRolloutTest {

    private static final int[] MESH = {1, 2, 3, 4};
    private static final Duration WHOLE_WITHIN = Duration.ofSeconds(2);

    @TempDir
    Path dir;

    private TlsNodes nodes;
    private PairChecker checker;

    @BeforeAll
    static void keys() {
        Keys.prepare("n1", "n2", "n3", "n4");
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (checker != null) {
            checker.close();
        }
        if (nodes != null) {
            nodes.close();
        }
    }

    /** Node i's INI for a step: {@code mode} null means no [tls] section at all; pins for every peer or none. */
    private TlsNodes.Text text(int i, String mode, boolean pins) {
        TlsNodes.Text t = new TlsNodes.Text(nodes.address(i));
        for (int j : MESH) {
            if (j != i) {
                if (pins) {
                    t.peer(nodes.address(j), Keys.get("n" + j).pin());
                } else {
                    t.peer(nodes.address(j));
                }
            }
        }
        return mode == null ? t : t.tls(mode);
    }

    @Test
    void offThenOptionalThenPinsThenRequiredOnALiveMesh() throws Exception {
        nodes = new TlsNodes(dir, TestNet.freePort(4));
        for (int i : MESH) {
            nodes.save(i, text(i, null, false));
        }
        nodes.startAll(MESH);
        nodes.awaitWhole(Duration.ofSeconds(10), MESH);
        checker = PairChecker.start(nodes.agents(), 500);
        assertAll(i -> "off", (i, j) -> "plaintext");
        // What each node heard when a connection ended: "j<-reason", j the peer.
        Map<Integer, List<String>> ended = new java.util.concurrent.ConcurrentHashMap<>();
        for (int i : MESH) {
            List<String> mine = new java.util.concurrent.CopyOnWriteArrayList<>();
            ended.put(i, mine);
            nodes.agent(i).onPeerEvent(e -> {
                if (e.kind() == org.peerpool.PeerEvent.Kind.DISCONNECTED) {
                    mine.add(e.peer() + " " + e.reason());
                }
            });
        }

        // Step 1: every node gets a key and optional; nothing changes on the wire.
        for (int i : MESH) {
            nodes.installKey(i, Keys.get("n" + i));
        }
        for (int k : MESH) {
            saveAndCheck(k, text(k, "optional", false), List.of());
        }
        assertAll(i -> "optional", (i, j) -> "plaintext");
        for (int i : MESH) {
            assertEquals(Keys.get("n" + i).pin(), nodes.pool(i, "LocalKeyPin"), "node " + i + " shows its key's pin");
        }
        // Step 2 is timed: let this JVM's first TLS handshakes (JSSE start-up, both roles) happen before it.
        Map<String, Long> settled = nodes.ids(MESH);
        for (int i : MESH) {
            Message m = nodes.warmUpTls(i, Keys.get("n1"));
            assertTrue(m instanceof Message.HandshakeAck a && !a.accepted() && a.reason().startsWith("unknown peer"),
                    "an optional node takes TLS and refuses an unlisted address: " + m);
        }
        assertEquals(settled, nodes.ids(MESH), "the warm-up touched no connection");

        // Step 2: pins. The saving node re-forms, over TLS, the plaintext links it initiates (to higher nodes).
        for (int k : MESH) {
            List<Integer> higher = new ArrayList<>();
            for (int j = k + 1; j <= MESH.length; j++) {
                higher.add(j);
            }
            saveAndCheck(k, text(k, "optional", true), higher);
        }
        assertAll(i -> "optional", (i, j) -> "TLSv1.3 ");
        // Each re-formed link was closed by its initiator with GOODBYE "security changed" (PROTOCOL.md 7):
        // node j closed its links to higher nodes itself, and heard that GOODBYE from each lower node.
        for (int j : MESH) {
            List<String> expected = new ArrayList<>();
            for (int i : MESH) {
                if (i != j) {
                    expected.add(nodes.address(i) + (i < j ? " peer said goodbye: " : " ") + "security changed");
                }
            }
            int node = j;
            Await.until(Duration.ofSeconds(2), () -> ended.get(node).size() >= expected.size(), "events delivered");
            List<String> heard = ended.get(j).stream().map(r -> r.replaceFirst("(security changed).*", "$1")).sorted().toList();
            assertEquals(expected.stream().sorted().toList(), heard,
                    "node " + j + ": each link it shares ended once, for security changed: " + ended.get(j));
        }

        // Step 3: required everywhere; every link is TLS with a pinned key already, so none re-forms.
        for (int k : MESH) {
            saveAndCheck(k, text(k, "required", true), List.of());
        }
        assertAll(i -> "required", (i, j) -> "TLSv1.3 ");
        for (int j : MESH) {
            assertEquals(3, ended.get(j).size(), "node " + j + ": no link ended in step 3: " + ended.get(j));
        }

        checker.close();
        assertEquals(List.of(), checker.problems(), checker.summary());
        assertTrue(checker.reads() > 10, "the checker ran: " + checker.summary());
        for (int i : MESH) {
            assertEquals(0L, nodes.pool(i, "KeyMismatches"), "no key was ever refused on node " + i);
            assertEquals(3L, nodes.reloads(i), "node " + i + " ran through on one watcher: one reload per step");
        }
    }

    /**
     * Saves node k's INI and waits for it to apply; then the pairs (k, j) for j in
     * {@code reformed} must have re-formed (new ids at both ends), the mesh must be whole
     * within 2 s of the save, and every other connection must have kept its ids.
     */
    private void saveAndCheck(int k, TlsNodes.Text text, List<Integer> reformed) throws Exception {
        Map<String, Long> before = nodes.ids(MESH);
        long reloads = nodes.reloads(k);
        long saved = System.nanoTime();
        nodes.save(k, text);
        nodes.awaitReload(k, reloads, Duration.ofSeconds(5));
        Duration left = WHOLE_WITHIN.minusNanos(System.nanoTime() - saved);
        Await.until(left.isNegative() ? Duration.ZERO : left, () -> {
            for (int j : reformed) {
                for (String end : List.of(k + ">" + j, j + ">" + k)) {
                    long id = end.startsWith(k + ">") ? nodes.connectionId(k, j) : nodes.connectionId(j, k);
                    if (id == 0 || id == before.get(end)) {
                        return false;
                    }
                }
            }
            return nodes.whole(MESH);
        }, () -> "after node " + k + "'s save: pairs with " + reformed + " re-formed and the mesh whole within 2 s; ids "
                + before + " -> " + nodes.ids(MESH) + "; " + nodes.counts(MESH) + "; " + states(k, reformed));
        Map<String, Long> after = nodes.ids(MESH);
        for (var e : before.entrySet()) {
            String[] ends = e.getKey().split(">");
            int a = Integer.parseInt(ends[0]);
            int b = Integer.parseInt(ends[1]);
            boolean concerned = (a == k && reformed.contains(b)) || (b == k && reformed.contains(a));
            if (concerned) {
                assertNotEquals(e.getValue(), after.get(e.getKey()), e.getKey() + " re-formed");
            } else {
                assertEquals(e.getValue(), after.get(e.getKey()),
                        "node " + k + "'s save left " + e.getKey() + " alone: ids " + before + " -> " + after);
            }
        }
    }

    /** For a failure message: how node k and the nodes it re-dials see each other. */
    private String states(int k, List<Integer> others) {
        StringBuilder b = new StringBuilder();
        for (int j : others) {
            for (int[] e : new int[][] {{k, j}, {j, k}}) {
                b.append(e[0]).append(" sees ").append(e[1]).append(": ").append(nodes.peer(e[0], e[1], "State"))
                        .append(" '").append(nodes.peer(e[0], e[1], "LastError")).append("' failed ")
                        .append(nodes.peer(e[0], e[1], "FailedAttempts")).append("; ");
            }
        }
        return b.append("node ").append(k).append(" ConnectAttempts ").append(nodes.pool(k, "ConnectAttempts"))
                .append(", HandshakeFailures ").append(nodes.pool(k, "HandshakeFailures")).toString();
    }

    /** Every node shows {@code mode}, and every Peer bean a Security starting with {@code security}. */
    private void assertAll(java.util.function.IntFunction<String> mode,
                           java.util.function.BiFunction<Integer, Integer, String> security) {
        for (int i : MESH) {
            assertEquals(mode.apply(i), nodes.pool(i, "TlsMode"), "node " + i);
            for (int j : MESH) {
                if (i == j) {
                    continue;
                }
                String s = (String) nodes.peer(i, j, "Security");
                String expected = security.apply(i, j);
                assertTrue(s.startsWith(expected), i + " with " + j + ": Security = '" + s + "', expected " + expected);
                String pin = (String) nodes.peer(i, j, "PeerKeyPin");
                assertEquals(expected.startsWith("TLS") ? Keys.get("n" + j).pin() : "", pin, i + " sees " + j + "'s key");
            }
        }
    }

    @Test
    void rollingBackMovesTheLinkToPlaintextWithGoodbyeSecurityChanged() throws Exception {
        int[] mesh = {1, 2};
        nodes = new TlsNodes(dir, TestNet.freePort(2));
        for (int i : mesh) {
            nodes.installKey(i, Keys.get("n" + i));
            nodes.save(i, pair(i, "required"));
        }
        nodes.startAll(mesh);
        nodes.awaitWhole(Duration.ofSeconds(10), mesh);
        assertTrue(((String) nodes.peer(1, 2, "Security")).startsWith("TLSv1.3"));
        List<String> heard = new java.util.concurrent.CopyOnWriteArrayList<>();
        nodes.agent(2).onPeerEvent(e -> {
            if (e.kind() == org.peerpool.PeerEvent.Kind.DISCONNECTED) {
                heard.add(e.reason());
            }
        });

        // The responder relaxes first, and drops the pin: under optional a peer once seen over TLS
        // with its pinned key is refused in plaintext until its pins change (downgrade refused).
        Map<String, Long> ids = nodes.ids(mesh);
        long r2 = nodes.reloads(2);
        nodes.save(2, new TlsNodes.Text(nodes.address(2)).peer(nodes.address(1)).tls("optional"));
        nodes.awaitReload(2, r2, Duration.ofSeconds(5));
        assertEquals(ids, nodes.ids(mesh), "required -> optional, unpinned, on the responder leaves the link alone");

        // The initiator turns TLS off: its TLS link goes, and comes back in plaintext.
        long r1 = nodes.reloads(1);
        nodes.save(1, pair(1, "off"));
        nodes.awaitReload(1, r1, Duration.ofSeconds(5));
        Await.until(WHOLE_WITHIN, () -> nodes.whole(mesh) && "plaintext".equals(nodes.peer(1, 2, "Security"))
                        && "plaintext".equals(nodes.peer(2, 1, "Security")),
                () -> "link back in plaintext: " + nodes.counts(mesh) + " " + nodes.peer(1, 2, "Security"));
        assertEquals(List.of("peer said goodbye: security changed"), heard, "node 2 was told why");
        assertEquals("", nodes.peer(1, 2, "PeerKeyPin"));
        assertEquals("off", nodes.pool(1, "TlsMode"));

        // The responder turns it off too: a plaintext link is what off wants, so it stays.
        ids = nodes.ids(mesh);
        r2 = nodes.reloads(2);
        nodes.save(2, new TlsNodes.Text(nodes.address(2)).peer(nodes.address(1)));
        nodes.awaitReload(2, r2, Duration.ofSeconds(5));
        assertEquals(ids, nodes.ids(mesh), "optional -> off on the responder leaves the plaintext link alone");
        assertEquals(1, heard.size(), "no further disconnect: " + heard);
    }

    /** Node i of a pair: its peer pinned, in {@code mode}. */
    private TlsNodes.Text pair(int i, String mode) {
        int other = 3 - i;
        return new TlsNodes.Text(nodes.address(i)).peer(nodes.address(other), Keys.get("n" + other).pin()).tls(mode);
    }
}
