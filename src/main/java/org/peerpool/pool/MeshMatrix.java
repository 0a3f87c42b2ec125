package org.peerpool.pool;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.peerpool.wire.NodeAddress;

/**
 * Every pair of the mesh as one node knows it: its own links first hand, every other
 * pair from the VIEW messages of its two ends (PROTOCOL.md section 3). The nodes are
 * this one, its configured peers and any unlisted peer it holds; a pair is expected
 * (counts as missing when down) when this node lists both ends, as a full mesh would.
 * An immutable value, computed outside the pool's lock from a snapshot.
 *
 * <p>A pair between two other nodes is {@link PairState#CONNECTED} when every view
 * this node has from its ends names the other end, {@link PairState#MISSING} when one
 * does not, and {@link PairState#UNKNOWN} when neither end has sent a view (a node
 * built before VIEW, or one this node is not connected to).
 */
public record MeshMatrix(NodeAddress self, List<NodeAddress> nodes, Set<NodeAddress> viewsFrom, List<Pair> pairs) {

    /** What this node knows of one pair. */
    public enum PairState {
        /** Missing and expected: both ends are in this node's list. Sorted first. */
        MISSING,
        /** Neither end has told this node its links. */
        UNKNOWN,
        /** Down or unknown, but one end is a peer this node does not list: nothing is expected of it. */
        UNLISTED,
        CONNECTED
    }

    /** One pair, {@code a} below {@code b} in address order. */
    public record Pair(NodeAddress a, NodeAddress b, PairState state) {
        @Override
        public String toString() {
            return a + " " + b;
        }
    }

    public MeshMatrix {
        nodes = List.copyOf(nodes);
        viewsFrom = Set.copyOf(viewsFrom);
        pairs = List.copyOf(pairs);
    }

    /**
     * @param listed    this node's configured peers
     * @param connected the peers this node holds a connection with
     * @param views     each connected peer's last VIEW, as the set of peers it holds
     */
    static MeshMatrix of(NodeAddress self, Set<NodeAddress> listed, Set<NodeAddress> connected,
                         Map<NodeAddress, Set<NodeAddress>> views) {
        TreeSet<NodeAddress> all = new TreeSet<>(listed);
        all.addAll(connected);
        all.add(self);
        List<NodeAddress> nodes = new ArrayList<>(all);
        List<Pair> pairs = new ArrayList<>(nodes.size() * (nodes.size() - 1) / 2);
        for (int i = 0; i < nodes.size(); i++) {
            for (int j = i + 1; j < nodes.size(); j++) {
                NodeAddress a = nodes.get(i);
                NodeAddress b = nodes.get(j);
                PairState s = judge(self, connected, views, a, b);
                boolean expected = (a.equals(self) || listed.contains(a)) && (b.equals(self) || listed.contains(b));
                if (!expected && s != PairState.CONNECTED) {
                    s = PairState.UNLISTED;
                }
                pairs.add(new Pair(a, b, s));
            }
        }
        // Stable: within a state the pairs keep their address order.
        pairs.sort(Comparator.comparing(Pair::state));
        return new MeshMatrix(self, nodes, views.keySet(), pairs);
    }

    /** Only the missing pairs of {@link #of}, as {@code "A B"}: judged often, so nothing else is built. */
    static List<String> missing(NodeAddress self, Set<NodeAddress> listed, Set<NodeAddress> connected,
                                Map<NodeAddress, Set<NodeAddress>> views) {
        TreeSet<NodeAddress> expected = new TreeSet<>(listed);
        expected.add(self);
        List<NodeAddress> nodes = new ArrayList<>(expected);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) {
            for (int j = i + 1; j < nodes.size(); j++) {
                if (judge(self, connected, views, nodes.get(i), nodes.get(j)) == PairState.MISSING) {
                    out.add(nodes.get(i) + " " + nodes.get(j));
                }
            }
        }
        return out;
    }

    private static PairState judge(NodeAddress self, Set<NodeAddress> connected,
                                   Map<NodeAddress, Set<NodeAddress>> views, NodeAddress a, NodeAddress b) {
        if (a.equals(self) || b.equals(self)) {
            return connected.contains(a.equals(self) ? b : a) ? PairState.CONNECTED : PairState.MISSING;
        }
        Set<NodeAddress> fromA = views.get(a);
        Set<NodeAddress> fromB = views.get(b);
        if (fromA == null && fromB == null) {
            return PairState.UNKNOWN;
        }
        if ((fromA != null && !fromA.contains(b)) || (fromB != null && !fromB.contains(a))) {
            return PairState.MISSING;
        }
        return PairState.CONNECTED;
    }

    /** The pairs in {@code state}, in address order. */
    public List<Pair> pairs(PairState state) {
        return pairs.stream().filter(p -> p.state() == state).toList();
    }

    /** Expected pairs that are down: what an operator must look at. */
    public List<Pair> missing() {
        return pairs(PairState.MISSING);
    }
}
