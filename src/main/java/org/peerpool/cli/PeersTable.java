package org.peerpool.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import javax.management.JMException;
import javax.management.openmbean.CompositeData;
import javax.management.ObjectName;

/**
 * The rows of {@code bin/peerpool peers} (DESIGN.md A4): one per Peer bean, in address
 * order, with the attributes an operator reads first. {@code Security} appears only
 * when the node has it (TLS builds). Printed as an aligned table that fits 120 columns
 * or as one JSON array of the same rows; the demo's mesh table reads the same rows.
 */
final class PeersTable {

    /** The Peer attributes read, in column order; those a node lacks are skipped. */
    static final String[] ATTRIBUTES = {"Address", "State", "Direction", "ConnectedSince", "MessagesIn",
        "MessagesOut", "BytesIn", "BytesOut", "Security", "LastError", "Sources"};

    static final int WIDTH = 120;

    private PeersTable() {
    }

    /**
     * One map per peer, attribute name to plain value, in address order: in one read of
     * the pool bean's {@code PeerRows}, or bean by bean from a node built before it.
     */
    static List<Map<String, Object>> read(OperatorClient client, ObjectName pool) throws IOException, JMException {
        List<Map<String, Object>> rows = new ArrayList<>();
        Object table = client.read(pool, "PeerRows").get("PeerRows");
        if (table instanceof CompositeData[] all) {
            for (CompositeData row : all) {
                Map<String, Object> m = new LinkedHashMap<>();
                for (String name : ATTRIBUTES) {
                    // Items are named as the getters: "Address" is "address".
                    String item = Character.toLowerCase(name.charAt(0)) + name.substring(1);
                    if (row.containsKey(item)) {
                        m.put(name, OperatorClient.plain(row.get(item)));
                    }
                }
                rows.add(m);
            }
            return rows;
        }
        for (ObjectName peer : client.peers(pool)) {
            Map<String, Object> row = client.read(peer, ATTRIBUTES);
            // A bean unregistered between the query and the read answers nothing: it is gone, not a row.
            if (row.containsKey("Address")) {
                rows.add(row);
            }
        }
        return rows;
    }

    /** The rows as JSON: the same fields, with lower-case-first names and raw numbers. */
    static String json(List<Map<String, Object>> rows) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Map<String, Object> r : rows) {
            Map<String, Object> o = new LinkedHashMap<>();
            r.forEach((k, v) -> o.put(jsonName(k), v));
            out.add(o);
        }
        return Json.write(out);
    }

    static String jsonName(String attribute) {
        return Character.toLowerCase(attribute.charAt(0)) + attribute.substring(1);
    }

    static void print(List<Map<String, Object>> rows, PrintStream out) {
        boolean security = rows.stream().anyMatch(r -> r.containsKey("Security"));
        List<String> headers = new ArrayList<>(List.of("ADDRESS", "STATE", "DIRECTION", "CONNECTED SINCE",
                "MSGS IN/OUT", "BYTES IN/OUT"));
        if (security) {
            headers.add("SECURITY");
        }
        headers.add("LAST ERROR");
        int last = headers.size() - 1;
        TextTable t = new TextTable(headers.toArray(String[]::new)).right(4, 5).shrinkable(last);
        if (security) {
            t.shrinkable(last - 1, last);
        }
        for (Map<String, Object> r : rows) {
            List<String> cells = new ArrayList<>(List.of(text(r, "Address"), text(r, "State"),
                    text(r, "Direction"), since(text(r, "ConnectedSince")),
                    pair(r, "MessagesIn", "MessagesOut"), pair(r, "BytesIn", "BytesOut")));
            if (security) {
                cells.add(text(r, "Security"));
            }
            cells.add(text(r, "LastError"));
            t.add(cells.toArray(String[]::new));
        }
        t.lines(WIDTH).forEach(out::println);
        if (rows.isEmpty()) {
            out.println("(no peers: the peer list is empty)");
        }
    }

    private static String text(Map<String, Object> r, String key) {
        Object v = r.get(key);
        return v == null ? "" : v.toString();
    }

    /** ISO-8601 to the second, with a space instead of the T: easier to read in a column. */
    private static String since(String iso) {
        if (iso.length() < 19) {
            return iso;
        }
        return iso.substring(0, 10) + " " + iso.substring(11, 19);
    }

    private static String pair(Map<String, Object> r, String in, String out) {
        if (!"CONNECTED".equals(r.get("State"))) {
            return "";
        }
        return compact(r.get(in)) + "/" + compact(r.get(out));
    }

    /** 1234 as is, 12345 as 12.3k, and so on: a column of numbers an eye can compare. */
    static String compact(Object value) {
        if (!(value instanceof Number n)) {
            return "";
        }
        long v = n.longValue();
        if (v < 10_000) {
            return Long.toString(v);
        }
        String units = "kMGTPE";
        double d = v;
        int u = -1;
        while (d >= 1000 && u < units.length() - 1) {
            d /= 1000;
            u++;
        }
        return String.format(java.util.Locale.ROOT, d < 100 ? "%.1f%c" : "%.0f%c", d, units.charAt(u));
    }
}
