package org.peerpool.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.peerpool.cli.MeshReport.State;
import org.peerpool.wire.NodeAddress;

/** {@code bin/peerpool mesh} from bean values: each pair's state, missing first, the matrix and the JSON. */
class MeshReportTest {

    private static final String A = "127.0.0.1:7100";
    private static final String B = "127.0.0.2:7100";
    private static final String C = "127.0.0.3:7100";
    private static final String D = "127.0.0.4:7100";
    private static final String U = "127.0.0.9:7100";

    /** Node A lists B, C, D; an unlisted U is connected; B-C is missing; C-D no one has told A about. */
    private static MeshReport.Mesh sample() {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("LocalAddress", A);
        v.put("ConfiguredPeers", List.of(B, C, D));
        v.put("ConnectedPeers", List.of(B, C, D, U));
        v.put("MeshPairs", List.of(A + " " + B, A + " " + C, A + " " + D, A + " " + U, B + " " + D));
        v.put("MeshMissingPairs", List.of(B + " " + C));
        return MeshReport.of(v);
    }

    @Test
    void eachPairGetsItsStateAndMissingComesFirst() {
        MeshReport.Mesh m = sample();
        assertEquals(5, m.nodes().size());
        assertEquals(10, m.pairs().size());
        assertEquals(State.MISSING, m.pairs().get(0).state());
        assertEquals(B + " " + C, m.pairs().get(0).a() + " " + m.pairs().get(0).b());
        assertEquals(State.CONNECTED, m.state(NodeAddress.parse(D), NodeAddress.parse(B)));
        assertEquals(State.UNKNOWN, m.state(NodeAddress.parse(C), NodeAddress.parse(D)), "both listed, neither told");
        assertEquals(State.UNLISTED, m.state(NodeAddress.parse(B), NodeAddress.parse(U)), "U is not in A's list: nothing expected of B-U");
        assertEquals(1, m.in(State.MISSING).size());
        assertEquals(1, m.in(State.UNKNOWN).size());
    }

    @Test
    void printNamesTheMissingPairsBeforeTheMatrix() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        MeshReport.print(sample(), new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String text = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(text.startsWith("Mesh as " + A + " knows it: 5 nodes, 10 pairs: 5 connected, 1 missing, 1 unknown"),
                text);
        int missing = text.indexOf("  " + B + "  " + C);
        int matrix = text.indexOf(A + " *");
        assertTrue(missing > 0 && matrix > missing, text);
        // Row B: A connected, itself, C missing, D connected, U not expected.
        String rowB = text.lines().filter(l -> l.contains(B) && l.trim().startsWith("2")).findFirst().orElseThrow();
        assertEquals(List.of("2", B, "+", ".", "X", "+", "-"), List.of(rowB.trim().split("\\s+")), rowB);
    }

    @Test
    void jsonCountsAndListsEveryPair() {
        String json = MeshReport.json(sample());
        assertTrue(json.startsWith("{\"node\":\"" + A + "\""), json);
        assertTrue(json.contains("\"missing\":1"), json);
        assertTrue(json.contains("\"unknown\":1"), json);
        assertTrue(json.contains("{\"a\":\"" + B + "\",\"b\":\"" + C + "\",\"state\":\"missing\"}"), json);
    }
}
