package org.peerpool.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import javax.management.JMException;
import javax.management.ObjectName;

import org.peerpool.wire.NodeAddress;

/**
 * {@code bin/peerpool mesh} (DESIGN.md A4): every pair of the mesh as the node knows
 * it from its own links and its peers' VIEW messages, read from its ConnectionPool
 * bean ({@code MeshPairs}, {@code MeshMissingPairs}, the configured and connected
 * peers). Missing pairs come first, then a matrix of every node against every other.
 * A pair in neither bean list is unknown when the node lists both ends (neither has
 * sent a view), and not expected otherwise. Exit 1 when a pair is missing.
 */
final class MeshReport {

    /** One cell's state; the order is the print order. */
    enum State {
        MISSING("X"), UNKNOWN("?"), UNLISTED("-"), CONNECTED("+");

        final String mark;

        State(String mark) {
            this.mark = mark;
        }
    }

    record Pair(NodeAddress a, NodeAddress b, State state) {
    }

    /** What one node knows of its mesh; {@code byKey} holds each pair under {@link #key}. */
    record Mesh(NodeAddress self, List<NodeAddress> nodes, List<Pair> pairs, Map<String, State> byKey) {
        List<Pair> in(State s) {
            return pairs.stream().filter(p -> p.state() == s).toList();
        }

        /** Looked up, not searched: the matrix asks once per cell, and a thousand nodes make a million cells. */
        State state(NodeAddress a, NodeAddress b) {
            return byKey.getOrDefault(a.compareTo(b) < 0 ? key(a, b) : key(b, a), State.UNLISTED);
        }
    }

    /** A pair as the bean lists it: {@code "A B"}, A below B in address order. */
    private static String key(NodeAddress a, NodeAddress b) {
        return a + " " + b;
    }

    private static final int MAX_READS = 10;

    private static final String[] ATTRIBUTES = {"LocalAddress", "ConfiguredPeers", "ConnectedPeers", "MeshPairs",
        "MeshMissingPairs"};

    private MeshReport() {
    }

    /**
     * Reads until two reads in a row agree: each attribute is worked out on its own, so a
     * pair that went down between two of them could be in neither list and pass for unknown.
     */
    static Mesh read(OperatorClient client, ObjectName pool) throws IOException, JMException {
        Map<String, Object> before = readOnce(client, pool);
        for (int i = 0; i < MAX_READS; i++) {
            Map<String, Object> now = readOnce(client, pool);
            if (now.equals(before)) {
                return of(now);
            }
            before = now;
        }
        throw new JMException("the mesh kept changing over " + (MAX_READS + 1) + " reads; try again");
    }

    private static Map<String, Object> readOnce(OperatorClient client, ObjectName pool) throws IOException, JMException {
        Map<String, Object> v = client.read(pool, ATTRIBUTES);
        if (!v.containsKey("MeshPairs") || !v.containsKey("MeshMissingPairs")) {
            throw new JMException("this node gave no mesh view (a build before VIEW, or the read failed);"
                    + " 'bin/peerpool peers' shows its own links");
        }
        return v;
    }

    static Mesh of(Map<String, Object> v) {
        NodeAddress self = NodeAddress.parse(String.valueOf(v.get("LocalAddress")));
        Set<NodeAddress> listed = new HashSet<>(addresses(v.get("ConfiguredPeers")));
        listed.add(self);
        TreeSet<NodeAddress> nodes = new TreeSet<>(listed);
        nodes.addAll(addresses(v.get("ConnectedPeers")));
        Set<String> connected = new HashSet<>(strings(v.get("MeshPairs")));
        Set<String> missing = new HashSet<>(strings(v.get("MeshMissingPairs")));
        List<NodeAddress> all = new ArrayList<>(nodes);
        List<Pair> pairs = new ArrayList<>();
        Map<String, State> byKey = new HashMap<>();
        for (int i = 0; i < all.size(); i++) {
            for (int j = i + 1; j < all.size(); j++) {
                NodeAddress a = all.get(i);
                NodeAddress b = all.get(j);
                String key = key(a, b);
                State s = connected.contains(key) ? State.CONNECTED
                        : missing.contains(key) ? State.MISSING
                        : listed.contains(a) && listed.contains(b) ? State.UNKNOWN : State.UNLISTED;
                pairs.add(new Pair(a, b, s));
                byKey.put(key, s);
            }
        }
        pairs.sort(Comparator.comparing(Pair::state));
        return new Mesh(self, all, pairs, byKey);
    }

    private static List<String> strings(Object v) {
        List<String> out = new ArrayList<>();
        if (v instanceof List<?> l) {
            l.forEach(x -> out.add(String.valueOf(x)));
        }
        return out;
    }

    private static List<NodeAddress> addresses(Object v) {
        return strings(v).stream().map(NodeAddress::parse).toList();
    }

    static String json(Mesh m) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("node", m.self().toString());
        out.put("nodes", m.nodes().stream().map(Object::toString).toList());
        for (State s : State.values()) {
            out.put(s.name().toLowerCase(Locale.ROOT), m.in(s).size());
        }
        List<Map<String, Object>> pairs = new ArrayList<>();
        for (Pair p : m.pairs()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("a", p.a().toString());
            row.put("b", p.b().toString());
            row.put("state", p.state().name().toLowerCase(Locale.ROOT));
            pairs.add(row);
        }
        out.put("pairs", pairs);
        return Json.write(out);
    }

    static void print(Mesh m, PrintStream out) {
        out.println("Mesh as " + m.self() + " knows it: " + m.nodes().size() + " nodes, " + m.pairs().size()
                + " pairs: " + m.in(State.CONNECTED).size() + " connected, " + m.in(State.MISSING).size() + " missing, "
                + m.in(State.UNKNOWN).size() + " unknown");
        List<Pair> missing = m.in(State.MISSING);
        if (!missing.isEmpty()) {
            out.println();
            out.println("Missing pairs (both ends are in this node's peer list):");
            missing.forEach(p -> out.println("  " + p.a() + "  " + p.b()));
        }
        out.println();
        String[] headers = new String[m.nodes().size() + 2];
        headers[0] = "#";
        headers[1] = "node";
        for (int i = 0; i < m.nodes().size(); i++) {
            headers[i + 2] = String.valueOf(i + 1);
        }
        TextTable t = new TextTable(headers).right(0);
        for (int i = 0; i < m.nodes().size(); i++) {
            NodeAddress row = m.nodes().get(i);
            String[] cells = new String[headers.length];
            cells[0] = String.valueOf(i + 1);
            cells[1] = row.equals(m.self()) ? row + " *" : row.toString();
            for (int j = 0; j < m.nodes().size(); j++) {
                cells[j + 2] = i == j ? "." : m.state(row, m.nodes().get(j)).mark;
            }
            t.add(cells);
        }
        t.lines(Integer.MAX_VALUE).forEach(out::println);
        out.println();
        out.println("+ connected  X missing  ? unknown (neither end has sent this node a view)  - not in this node's"
                + " peer list  * this node");
    }
}
