package org.peerpool.pool;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.peerpool.MeshMatrix;
import org.peerpool.MeshMatrix.Pair;
import org.peerpool.MeshMatrix.PairState;
import org.peerpool.wire.NodeAddress;

/**
 * Judges every pair of the mesh from what one node knows (its own links, its peers'
 * VIEW sets), by the rules {@link MeshMatrix} states; pure functions, run outside the
 * pool's lock on a snapshot.
 */
final class MeshJudge {

    private MeshJudge() {
    }

    /**
     * @param listed    this node's configured peers
     * @param connected the peers this node holds a connection with
     * @param views     each connected peer's last VIEW, as the set of peers it holds
     */
    static MeshMatrix matrix(NodeAddress self, Set<NodeAddress> listed, Set<NodeAddress> connected,
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
                PairState s = judge(self, connected, a, b, views.get(a), views.get(b));
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

    /** Only the missing pairs of {@link #matrix}, in address order: judged often, so nothing else is built. */
    static List<Pair> missing(NodeAddress self, Set<NodeAddress> listed, Set<NodeAddress> connected,
                                Map<NodeAddress, Set<NodeAddress>> views) {
        List<NodeAddress> nodes = new ArrayList<>(listed.size() + 1);
        nodes.addAll(listed);
        if (!listed.contains(self)) {
            nodes.add(self);
        }
        nodes.sort(null);
        // A thousand peers make half a million pairs: each node's view is looked up once, not per pair.
        int n = nodes.size();
        List<Set<NodeAddress>> viewOf = new ArrayList<>(n);
        for (NodeAddress a : nodes) {
            viewOf.add(views.get(a));
        }
        List<Pair> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            NodeAddress a = nodes.get(i);
            for (int j = i + 1; j < n; j++) {
                NodeAddress b = nodes.get(j);
                if (judge(self, connected, a, b, viewOf.get(i), viewOf.get(j)) == PairState.MISSING) {
                    out.add(new Pair(a, b, PairState.MISSING));
                }
            }
        }
        return out;
    }

    /** The pair {@code a b}, given each one's last VIEW (null: none heard). */
    private static PairState judge(NodeAddress self, Set<NodeAddress> connected, NodeAddress a, NodeAddress b,
                                   Set<NodeAddress> fromA, Set<NodeAddress> fromB) {
        if (a.equals(self) || b.equals(self)) {
            return connected.contains(a.equals(self) ? b : a) ? PairState.CONNECTED : PairState.MISSING;
        }
        if (fromA == null && fromB == null) {
            return PairState.UNKNOWN;
        }
        if ((fromA != null && !fromA.contains(b)) || (fromB != null && !fromB.contains(a))) {
            return PairState.MISSING;
        }
        return PairState.CONNECTED;
    }
}
