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
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

import org.peerpool.wire.NodeAddress;

/**
 * Prints who is connected to whom, read over remote JMX from running nodes, the way
 * JConsole would read it: only {@code getAttribute} on the beans of DESIGN.md A3.
 * {@code --wait S --expect N} first waits up to S seconds until every node reports N
 * connections. Used by {@code bin/peerpool-demo}; exits 0 when the expectation holds
 * (or none was given), 1 when it does not, 2 on bad arguments.
 *
 * <pre>java -cp ... org.peerpool.cli.MeshTable [--wait S] [--expect N] HOST:JMXPORT...</pre>
 */
public final class MeshTable {

    private MeshTable() {
    }

    /** What one node reported: its address, connection count and per-peer cells. */
    record NodeView(String jmx, String address, int connections, Map<String, String> cells, String error) {
    }

    public static void main(String[] args) throws InterruptedException {
        int waitS = 0;
        int expect = -1;
        List<String> targets = new ArrayList<>();
        try {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--wait" -> waitS = Integer.parseInt(args[++i]);
                    case "--expect" -> expect = Integer.parseInt(args[++i]);
                    default -> targets.add(args[i]);
                }
            }
        } catch (RuntimeException e) {
            targets.clear();
        }
        if (targets.isEmpty()) {
            System.err.println("usage: MeshTable [--wait SECONDS] [--expect CONNECTIONS] HOST:JMXPORT...");
            System.exit(2);
        }
        long deadline = System.nanoTime() + waitS * 1_000_000_000L;
        List<NodeView> views;
        while (true) {
            views = read(targets);
            if (expect < 0 || satisfied(views, expect) || System.nanoTime() > deadline) {
                break;
            }
            Thread.sleep(250);
        }
        print(views, System.out);
        System.exit(expect < 0 || satisfied(views, expect) ? 0 : 1);
    }

    private static boolean satisfied(List<NodeView> views, int expect) {
        return views.stream().allMatch(v -> v.error() == null && v.connections() == expect);
    }

    static List<NodeView> read(List<String> targets) {
        List<NodeView> out = new ArrayList<>();
        for (String t : targets) {
            out.add(readOne(t));
        }
        return out;
    }

    private static NodeView readOne(String target) {
        try {
            JMXServiceURL url = new JMXServiceURL("service:jmx:rmi:///jndi/rmi://" + target + "/jmxrmi");
            try (JMXConnector c = JMXConnectorFactory.connect(url)) {
                return readFrom(target, c.getMBeanServerConnection());
            }
        } catch (IOException | JMException | RuntimeException e) {
            return new NodeView(target, "?", -1, Map.of(), "not reachable (" + e.getClass().getSimpleName() + ")");
        }
    }

    static NodeView readFrom(String target, MBeanServerConnection mbs) throws IOException, JMException {
        Set<ObjectName> pools = mbs.queryNames(new ObjectName("peerpool:type=ConnectionPool,*"), null);
        if (pools.isEmpty()) {
            return new NodeView(target, "?", -1, Map.of(), "no peerpool:type=ConnectionPool bean");
        }
        ObjectName pool = pools.iterator().next();
        String address = (String) mbs.getAttribute(pool, "LocalAddress");
        int count = (Integer) mbs.getAttribute(pool, "ConnectionCount");
        Map<String, String> cells = new LinkedHashMap<>();
        String node = pool.getKeyProperty("node");
        for (ObjectName peer : mbs.queryNames(new ObjectName("peerpool:type=Peer,node=" + node + ",*"), null)) {
            String peerAddress = (String) mbs.getAttribute(peer, "Address");
            String state = (String) mbs.getAttribute(peer, "State");
            String direction = (String) mbs.getAttribute(peer, "Direction");
            cells.put(peerAddress, "CONNECTED".equals(state) ? (direction.equals("OUTBOUND") ? "OUT" : "IN") : state);
        }
        return new NodeView(target, address, count, cells, null);
    }

    static void print(List<NodeView> views, PrintStream out) {
        TreeSet<NodeAddress> columns = new TreeSet<>();
        for (NodeView v : views) {
            if (v.error() == null) {
                columns.add(NodeAddress.parse(v.address()));
                v.cells().keySet().forEach(a -> columns.add(NodeAddress.parse(a)));
            }
        }
        // Wide enough for an address and for the longest state word.
        int width = Math.max("AWAITING_INBOUND".length(), columns.stream().mapToInt(a -> a.toString().length()).max()
                .orElse(8)) + 2;
        StringBuilder head = new StringBuilder(pad("NODE", width) + pad("CONN", 6));
        columns.forEach(c -> head.append(pad(c.toString(), width)));
        out.println(head.toString().stripTrailing());
        for (NodeView v : views) {
            if (v.error() != null) {
                out.println(pad(v.jmx(), width) + v.error());
                continue;
            }
            StringBuilder row = new StringBuilder(pad(v.address(), width) + pad(String.valueOf(v.connections()), 6));
            for (NodeAddress c : columns) {
                String key = c.toString();
                row.append(pad(key.equals(v.address()) ? "-" : v.cells().getOrDefault(key, ""), width));
            }
            out.println(row.toString().stripTrailing());
        }
        out.println();
        out.println("OUT: the row's node dialed that peer (it has the lower address); IN: it accepted the peer's dial.");
        out.println("Any other word is the peer's state (CONNECTING, HANDSHAKING, BACKOFF, AWAITING_INBOUND).");
    }

    private static String pad(String s, int width) {
        return s.length() >= width ? s + " " : s + " ".repeat(width - s.length());
    }
}
