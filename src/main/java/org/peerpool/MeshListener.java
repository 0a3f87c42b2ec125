package org.peerpool;

import java.util.List;

/**
 * Hears when the set of missing pairs of the mesh changes, as one node knows it from its
 * own links and its peers' VIEW messages: each missing pair as {@code "A B"}, in address
 * order; an empty list means every pair this node lists is connected. Called on the
 * agent's event thread, in order with the {@link PeerEvent}s.
 */
@FunctionalInterface
public interface MeshListener {
    void onMeshChanged(List<String> missingPairs);
}
