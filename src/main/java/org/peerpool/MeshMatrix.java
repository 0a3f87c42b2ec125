package org.peerpool;

import java.util.List;
import java.util.Set;

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

    /** The pairs in {@code state}, in address order. */
    public List<Pair> pairs(PairState state) {
        return pairs.stream().filter(p -> p.state() == state).toList();
    }

    /** Expected pairs that are down: what an operator must look at. */
    public List<Pair> missing() {
        return pairs(PairState.MISSING);
    }
}
