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

        // Step 2: pins. The saving node re-forms, over TLS, the plaintext links it initiates (to higher nodes).
        for (int k : MESH) {
            List<Integer> higher = new ArrayList<>();
            for (int j = k + 1; j <= MESH.length; j++) {
                higher.add(j);
            }
            saveAndCheck(k, text(k, "optional", true), higher);
        }
        assertAll(i -> "optional", (i, j) -> "TLSv1.3 ");

        // Step 3: required everywhere; every link is TLS with a pinned key already, so none re-forms.
        for (int k : MESH) {
            saveAndCheck(k, text(k, "required", true), List.of());
        }
        assertAll(i -> "required", (i, j) -> "TLSv1.3 ");

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
                + before + " -> " + nodes.ids(MESH) + "; " + nodes.counts(MESH));
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
}
