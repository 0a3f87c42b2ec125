package org.peerpool.pool;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import org.peerpool.MeshListener;
import org.peerpool.MeshMatrix;
import org.peerpool.PayloadListener;
import org.peerpool.PeerEvent;
import org.peerpool.PeerEvent.Direction;
import org.peerpool.PeerListener;
import org.peerpool.wire.Message;
import org.peerpool.wire.NodeAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pool's subscribers: peer events go out one at a time, in the order the pool
 * emitted them, on the events executor, each with its INFO line for the operator
 * (written there too, so console I/O never holds the pool's lock or delays an I/O
 * thread); payloads go to their listeners on the I/O thread they arrived on. A
 * listener that throws is logged and the others still run. The queue to the listeners
 * is bounded by its executor; an event past it is dropped and counted, never waited for.
 */
final class PeerEvents {

    private static final Logger log = LoggerFactory.getLogger(ConnectionPool.class);

    private final Executor events;
    private final Supplier<NodeAddress> self;
    private final PoolClock clock;
    private final List<PeerListener> peerListeners = new CopyOnWriteArrayList<>();
    private final List<PayloadListener> payloadListeners = new CopyOnWriteArrayList<>();
    private final List<MeshListener> meshListeners = new CopyOnWriteArrayList<>();
    private final AtomicLong dropped = new AtomicLong();

    /** @param events runs tasks one at a time, in submission order */
    PeerEvents(Executor events, Supplier<NodeAddress> self, PoolClock clock) {
        this.events = events;
        this.clock = clock;
        this.self = self;
    }

    void add(PeerListener l) {
        peerListeners.add(l);
    }

    void remove(PeerListener l) {
        peerListeners.remove(l);
    }

    void addMesh(MeshListener l) {
        meshListeners.add(l);
    }

    void removeMesh(MeshListener l) {
        meshListeners.remove(l);
    }

    /**
     * Queues the news that the missing pairs are now {@code missing} (called in judgement
     * order), with one line for the operator. The pairs become text on the events thread,
     * off every path of the pool.
     */
    void meshChanged(List<MeshMatrix.Pair> missing) {
        try {
            events.execute(() -> {
                List<String> pairs = new ArrayList<>(missing.size());
                for (MeshMatrix.Pair p : missing) {
                    pairs.add(p.toString());
                }
                if (pairs.isEmpty()) {
                    log.info("{} - Mesh whole: every pair this node lists is connected", self.get());
                } else if (log.isInfoEnabled()) {
                    log.info("{} - Mesh missing {} pair(s): {}", self.get(), pairs.size(), firstPairs(pairs));
                }
                List<String> told = Collections.unmodifiableList(pairs);
                for (MeshListener l : meshListeners) {
                    try {
                        l.onMeshChanged(told);
                    } catch (RuntimeException ex) {
                        log.warn("{} - Mesh listener failed", self.get(), ex);
                    }
                }
            });
        } catch (RejectedExecutionException refused) {
            if (!(events instanceof ExecutorService es && es.isShutdown())) {
                dropped.incrementAndGet();
            }
        }
    }

    /** The first pairs, up to a log line's length: a thousand missing pairs are on the bean, not in the log. */
    private static String firstPairs(List<String> pairs) {
        StringBuilder b = new StringBuilder();
        int i = 0;
        while (i < pairs.size() && b.length() < LogText.MAX_CHARS) {
            b.append(i == 0 ? "" : ", ").append(pairs.get(i++));
        }
        return i == pairs.size() ? b.toString() : b + " and " + (pairs.size() - i) + " more";
    }

    void add(PayloadListener l) {
        payloadListeners.add(l);
    }

    void remove(PayloadListener l) {
        payloadListeners.remove(l);
    }

    /**
     * Queues an event and its INFO line ({@code null}: none); called under the pool's
     * lock, so the queue order is the order of the changes.
     */
    void emit(PeerEvent.Kind kind, NodeAddress peer, Direction direction, String reason, String infoLine) {
        emit(kind, peer, direction, reason, infoLine, null);
    }

    /**
     * As {@link #emit(PeerEvent.Kind, NodeAddress, Direction, String, String)}, for the
     * end of {@code ended}: its listeners hear of it only once no payload of that
     * connection is still being delivered, so none arrives after the event.
     */
    void emit(PeerEvent.Kind kind, NodeAddress peer, Direction direction, String reason, String infoLine,
              Connection ended) {
        PeerEvent ev = new PeerEvent(kind, peer, direction, reason, Instant.ofEpochMilli(clock.wallMillis()));
        try {
            events.execute(() -> {
                if (ended != null) {
                    ended.awaitDeliveries();
                }
                if (infoLine != null) {
                    log.info("{} - {}", self.get(), infoLine);
                }
                for (PeerListener l : peerListeners) {
                    try {
                        l.onPeerEvent(ev);
                    } catch (RuntimeException ex) {
                        log.warn("{} - Peer listener failed on {}", self.get(), ev, ex);
                    }
                }
            });
        } catch (RejectedExecutionException refused) {
            // Stopped: nobody is left to tell. Otherwise the queue is full (a listener far behind): the event is
            // dropped and counted rather than the pool's lock, and the I/O thread holding it, waiting for room.
            if (!(events instanceof ExecutorService es && es.isShutdown())) {
                dropped.incrementAndGet();
            }
        }
    }

    /** Events dropped because the queue to the listeners was full. */
    long dropped() {
        return dropped.get();
    }

    /** Hands {@code p} to the payload listeners, unless the close of {@code c} has begun. */
    void deliver(Connection c, Message.Payload p) {
        if (!c.enterDelivery()) {
            return;
        }
        try {
            deliverTo(c.peer(), p);
        } finally {
            c.exitDelivery();
        }
    }

    private void deliverTo(NodeAddress from, Message.Payload p) {
        for (PayloadListener l : payloadListeners) {
            try {
                l.onPayload(from, p.topic(), p.data());
            } catch (RuntimeException ex) {
                log.warn("{} - Payload listener failed on a message from {}", self.get(), from, ex);
            }
        }
    }
}
