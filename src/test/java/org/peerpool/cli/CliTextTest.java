package org.peerpool.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.peerpool.testing.MiniJson;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The operator commands' output without a node: the table's fit, the JSON writer, and argument errors. */
class CliTextTest {

    @Test
    void aTableAlignsNumbersAndCutsOnlyItsFreeTextToFit() {
        TextTable t = new TextTable("NAME", "COUNT", "NOTE").right(1).shrinkable(2);
        t.add("a", "7", "short");
        t.add("bbbb", "12345", "x".repeat(200));
        List<String> lines = t.lines(40);
        assertEquals("NAME  COUNT  NOTE", lines.get(0));
        assertEquals("a         7  short", lines.get(1));
        assertEquals(40, lines.get(2).length(), lines.get(2));
        assertTrue(lines.get(2).startsWith("bbbb  12345  xxx") && lines.get(2).endsWith("x..."), lines.get(2));
        assertThrows(IllegalArgumentException.class, () -> t.add("only one"));
    }

    @Test
    void aWidePeersTableStaysWithin120Columns() {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("Address", "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535");
        row.put("State", "CONNECTED");
        row.put("Direction", "OUTBOUND");
        row.put("ConnectedSince", "2026-12-02T07:25:05.123456Z");
        row.put("MessagesIn", 123456789L);
        row.put("MessagesOut", 42L);
        row.put("BytesIn", 98765432101L);
        row.put("BytesOut", 5L);
        row.put("Security", "TLSv1.3 TLS_AES_256_GCM_SHA384");
        row.put("LastError", "connect failed: Connection refused, and then a very long explanation of it");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PeersTable.print(List.of(row), new PrintStream(bytes, true, StandardCharsets.UTF_8));
        List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
        lines.forEach(l -> assertTrue(l.length() <= PeersTable.WIDTH, l.length() + ": " + l));
        assertTrue(lines.get(0).contains("SECURITY"), lines.get(0));
        // The longest address does not fit beside the rest: it gets a line of its own, uncut.
        assertEquals(List.of("[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535"), lines.subList(1, 2));
        assertEquals(3, lines.size(), lines.toString());
        assertTrue(lines.get(2).matches(" +CONNECTED  OUTBOUND   2026-12-02 07:25:05 +123M/42 +98.8G/5  TLSv1.3.*"),
                lines.get(2));

        row.put("Address", "[2001:db8::1]:7100");
        bytes.reset();
        PeersTable.print(List.of(row), new PrintStream(bytes, true, StandardCharsets.UTF_8));
        lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals(2, lines.size(), "a usual address fits on the row: " + lines);
        lines.forEach(l -> assertTrue(l.length() <= PeersTable.WIDTH, l.length() + ": " + l));
    }

    @Test
    void jsonOutputParsesBackToTheSameValues() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("text", "quote \" backslash \\ newline \n tab \t bell \u0007");
        m.put("n", 42L);
        m.put("list", List.of("a", "b"));
        m.put("array", new String[] {"x"});
        m.put("none", null);
        m.put("yes", true);
        Object back = MiniJson.parse(Json.write(m));
        Map<String, Object> expected = new LinkedHashMap<>(m);
        expected.put("array", List.of("x"));
        assertEquals(expected, back);
    }

    @Test
    void badArgumentsExitTwoWithAUsageLine() {
        for (String[] args : List.of(new String[] {"peers"}, new String[] {"--pid", "12", "frobnicate"},
                new String[] {"--pid", "x", "peers"}, new String[] {"--pid", "12", "disconnect"},
                new String[] {"--pid", "12", "reload", "--json"}, new String[] {"--pid", "12", "info", "extra"},
                new String[] {"--pid"})) {
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int exit = Ctl.run(args, new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true,
                    StandardCharsets.UTF_8));
            assertEquals(Ctl.EXIT_USAGE, exit, String.join(" ", args));
            assertTrue(err.toString(StandardCharsets.UTF_8).contains("usage: bin/peerpool"), err.toString());
        }
    }

    @Test
    void aPidThatIsNoJvmIsNoNode() {
        // A pid far above any pid_max: no such process.
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = Ctl.run(new String[] {"--pid", "2000000000", "peers"}, new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(Ctl.EXIT_NOT_RUNNING, exit, err.toString());
        assertTrue(err.toString(StandardCharsets.UTF_8).startsWith("peerpool: cannot attach to pid 2000000000"),
                err.toString());
    }

    @Test
    void theMeshTableMarksTlsLinksAndWaitsForThemWhenAsked() {
        String sec = "TLSv1.3 TLS_AES_256_GCM_SHA384";
        MeshTable.NodeView one = new MeshTable.NodeView("127.0.0.1:1", "127.0.0.1:7100", 1,
                Map.of("127.0.0.2:7100", "OUT" + MeshTable.TLS_MARK), 1, java.util.Set.of(sec), null);
        MeshTable.NodeView two = new MeshTable.NodeView("127.0.0.1:2", "127.0.0.2:7100", 1,
                Map.of("127.0.0.1:7100", "IN"), 0, java.util.Set.of(), null);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        MeshTable.print(List.of(one, two), new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(out.lines().anyMatch(l -> l.matches("127\\.0\\.0\\.1:7100 +1 +- +OUT/TLS")), out);
        assertTrue(out.contains("/TLS: the link is TLS with the peer's key pinned (" + sec + ")"), out);
        assertTrue(MeshTable.satisfied(List.of(one, two), 1, false), "one connection each");
        assertTrue(!MeshTable.satisfied(List.of(one, two), 1, true), "node 2's link is not TLS");
    }
}
