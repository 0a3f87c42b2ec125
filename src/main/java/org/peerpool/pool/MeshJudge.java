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

    /** Only the missing pairs of {@link #matrix}, as {@code "A B"}: judged often, so nothing else is built. */
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
}
