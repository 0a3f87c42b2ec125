package org.peerpool.jmx;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.peerpool.PeerEvent;
import org.peerpool.PeerListener;
import org.peerpool.PeerMXBean;
import org.peerpool.PoolView;
import org.peerpool.PeerSnapshot;
import org.peerpool.sources.SourcesView;
import org.peerpool.wire.NodeAddress;

/**
 * Keeps one Peer bean per entry in the pool: registered on ADDED, unregistered on
 * REMOVED. The pool sends those in order on one thread, so the beans follow the
 * entries exactly; entries that already existed when this started listening are
 * picked up by {@link #registerExisting()}.
 */
final class PeerBeans implements PeerListener {

    private final PoolView pool;
    private final NodeAddress node;
    private final MBeanRegistry registry;
    private final PeerOperations operations;
    private final SourcesView sources;
    /** Peers whose entry exists, as far as the events seen so far say. */
    private final Set<NodeAddress> present = new HashSet<>();
    /** Peers removed before {@link #registerExisting()} finished; null after. */
    private Set<NodeAddress> removedBeforeSync = new HashSet<>();

    PeerBeans(PoolView pool, NodeAddress node, MBeanRegistry registry, PeerOperations operations,
              SourcesView sources) {
        this.pool = pool;
        this.node = node;
        this.registry = registry;
        this.operations = operations;
        this.sources = sources;
    }

    @Override
    public synchronized void onPeerEvent(PeerEvent e) {
        if (e.kind() == PeerEvent.Kind.ADDED) {
            add(e.peer());
        } else if (e.kind() == PeerEvent.Kind.REMOVED) {
            if (removedBeforeSync != null) {
                removedBeforeSync.add(e.peer());
            }
            if (present.remove(e.peer())) {
                registry.unregister(JmxNames.peer(node, e.peer()));
            }
        }
    }

    /**
     * Registers beans for the entries that existed before this listener was added. Call
     * once, after adding it to the pool: an entry created since then has its ADDED
     * delivered too, and is registered once only.
     */
    void registerExisting() {
        // Read outside this object's lock: a pool whose events run inline would call
        // onPeerEvent under its own lock, and the two locks must never be taken in both orders.
        List<PeerSnapshot> existing = pool.snapshots();
        synchronized (this) {
            for (PeerSnapshot s : existing) {
                // Removed after the snapshot was taken: registering it now would leave a bean behind.
                if (!removedBeforeSync.contains(s.address())) {
                    add(s.address());
                }
            }
            removedBeforeSync = null;
        }
    }

    private void add(NodeAddress peer) {
        if (present.add(peer)) {
            registry.register(JmxNames.peer(node, peer),
                    new DescribedMBean(new PeerBean(pool, peer, operations, sources), PeerMXBean.class));
        }
    }
}
