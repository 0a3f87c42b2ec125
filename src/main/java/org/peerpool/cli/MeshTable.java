package org.peerpool.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import javax.management.JMException;
import javax.management.ObjectName;

import org.peerpool.wire.NodeAddress;

/**
 * Prints who is connected to whom, read over remote JMX from running nodes with the
 * same client and rows as {@code bin/peerpool peers} ({@link OperatorClient},
 * {@link PeersTable}): only attribute reads on the beans of DESIGN.md A3.
 * {@code --wait S --expect N} first waits up to S seconds until every node reports N
 * connections, and with {@code --tls} until every one of them is TLS as well. A TLS
 * connection's cell is marked {@code /TLS} (its Peer bean's {@code Security} names a
 * TLS protocol). Used by {@code bin/peerpool-demo}; exits 0 when the expectation holds
 * (or none was given), 1 when it does not, 2 on bad arguments.
 *
 * <pre>java -cp ... org.peerpool.cli.MeshTable [--wait S] [--expect N] [--tls] HOST:JMXPORT[@LOGINFILE]...</pre>
 */
public final class MeshTable {

    private MeshTable() {
    }

    /** What one node reported: its address, connection count, per-peer cells and how many of its links are TLS. */
    record NodeView(String jmx, String address, int connections, Map<String, String> cells, int tls,
            Set<String> security, String error) {
    }

    static final String TLS_MARK = "/TLS";

    public static void main(String[] args) throws InterruptedException {
        int waitS = 0;
        int expect = -1;
        boolean tls = false;
        List<String> targets = new ArrayList<>();
        try {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--wait" -> waitS = Integer.parseInt(args[++i]);
                    case "--expect" -> expect = Integer.parseInt(args[++i]);
                    case "--tls" -> tls = true;
                    default -> targets.add(args[i]);
                }
            }
        } catch (RuntimeException e) {
            targets.clear();
        }
        if (targets.isEmpty()) {
            System.err.println("usage: MeshTable [--wait SECONDS] [--expect CONNECTIONS] [--tls] HOST:JMXPORT[@LOGINFILE]...");
            System.exit(2);
        }
        long deadline = System.nanoTime() + waitS * 1_000_000_000L;
        List<NodeView> views;
        while (true) {
            views = read(targets);
            if (expect < 0 || satisfied(views, expect, tls) || System.nanoTime() > deadline) {
                break;
            }
            Thread.sleep(250);
        }
        print(views, System.out);
        System.exit(expect < 0 || satisfied(views, expect, tls) ? 0 : 1);
    }

    static boolean satisfied(List<NodeView> views, int expect, boolean tls) {
        return views.stream().allMatch(v -> v.error() == null && v.connections() == expect
                && (!tls || v.tls() == expect));
    }

    static List<NodeView> read(List<String> targets) {
        List<NodeView> out = new ArrayList<>();
        for (String t : targets) {
            out.add(readOne(t));
        }
        return out;
    }

    /** {@code text} names a port as {@link OperatorClient.Target} reads it. */
    private static NodeView readOne(String text) {
        OperatorClient.Target target = OperatorClient.Target.parse(text);
        String hostPort = target.hostPort();
        try (OperatorClient client = OperatorClient.remote(target)) {
            ObjectName pool = client.pool();
            Map<String, Object> counts = client.read(pool, "LocalAddress", "ConnectionCount");
            Map<String, String> cells = new LinkedHashMap<>();
            Set<String> security = new TreeSet<>();
            int tls = 0;
            for (Map<String, Object> row : PeersTable.read(client, pool)) {
                String state = String.valueOf(row.get("State"));
                String cell = state;
                if ("CONNECTED".equals(state)) {
                    cell = "OUTBOUND".equals(row.get("Direction")) ? "OUT" : "IN";
                    // A node without TLS support has no Security attribute: its links are plaintext.
                    Object sec = row.get("Security");
                    if (sec != null && sec.toString().startsWith("TLS")) {
                        cell += TLS_MARK;
                        security.add(sec.toString());
                        tls++;
                    }
                }
                cells.put(String.valueOf(row.get("Address")), cell);
            }
            return new NodeView(hostPort, String.valueOf(counts.get("LocalAddress")),
                    ((Number) counts.get("ConnectionCount")).intValue(), cells, tls, security, null);
        } catch (OperatorClient.Unreachable | IOException | JMException | OperatorClient.Refused
                 | RuntimeException e) {
            return new NodeView(hostPort, "?", -1, Map.of(), 0, Set.of(),
                    "not reachable (" + e.getClass().getSimpleName() + ")");
        }
    }

    static void print(List<NodeView> views, PrintStream out) {
        TreeSet<NodeAddress> columns = new TreeSet<>();
        for (NodeView v : views) {
            if (v.error() == null) {
                columns.add(NodeAddress.parse(v.address()));
                v.cells().keySet().forEach(a -> columns.add(NodeAddress.parse(a)));
            }
        }
        List<String> headers = new ArrayList<>(List.of("NODE", "CONN"));
        columns.forEach(c -> headers.add(c.toString()));
        TextTable t = new TextTable(headers.toArray(String[]::new)).right(1);
        List<String> unreachable = new ArrayList<>();
        for (NodeView v : views) {
            if (v.error() != null) {
                unreachable.add(v.jmx() + "  " + v.error());
                continue;
            }
            List<String> row = new ArrayList<>(List.of(v.address(), String.valueOf(v.connections())));
            for (NodeAddress c : columns) {
                String key = c.toString();
                row.add(key.equals(v.address()) ? "-" : v.cells().getOrDefault(key, ""));
            }
            t.add(row.toArray(String[]::new));
        }
        // The mesh is as wide as it has nodes: never cut it.
        t.lines(Integer.MAX_VALUE).forEach(out::println);
        unreachable.forEach(out::println);
        out.println();
        out.println("OUT: the row's node dialed that peer (it has the lower address); IN: it accepted the peer's dial.");
        Set<String> security = new TreeSet<>();
        views.forEach(v -> security.addAll(v.security()));
        if (!security.isEmpty()) {
            out.println(TLS_MARK + ": the link is TLS with the peer's key pinned (" + String.join(", ", security)
                    + "); without it, plaintext.");
        }
        out.println("Any other word is the peer's state (CONNECTING, HANDSHAKING, BACKOFF, AWAITING_INBOUND).");
    }
}
