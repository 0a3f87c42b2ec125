package org.peerpool.pool;

import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import org.peerpool.ClockOffsets;
import org.peerpool.PeerEvent;
import org.peerpool.wire.NodeAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps {@link ClockOffsets}: each peer's clock offset, estimated from its ANNOUNCE
 * heartbeats as {@code timestamp_ms} minus this node's clock at arrival, the median of
 * the last {@value #SAMPLES} (so one delayed frame does not move it), judged once there
 * are {@value #SAMPLES}. The estimate
 * includes the one-way network delay, a millisecond or less on a LAN. A peer whose
 * offset passes {@value #WARN_MS} ms (either way) gets one WARN, and one INFO once it
 * is back under {@value #CLEAR_MS} ms; the gap between the two keeps a clock near the
 * limit from logging on every heartbeat, and at most one line per peer in ten minutes
 * keeps a peer alternating its stamps from flipping them. A peer's samples outlive its connections
 * (its clock did not change because the link did) and go with its entry.
 */
final class ClockOffsetTracker implements ClockOffsets {

    private static final Logger log = LoggerFactory.getLogger(ConnectionPool.class);

    static final int SAMPLES = 5;
    static final long WARN_MS = 2000;
    static final long CLEAR_MS = 1000;
    /**
     * The peer sets the stamps: one that alternates them could flip the WARN and the INFO
     * every few heartbeats. At most one clock line per peer in this time; a state that
     * changed meanwhile is logged once it has passed.
     */
    static final long LOG_EVERY_MS = 10 * 60_000;

    /** What a new sample changed, decided under the tracker's lock and logged after it. */
    private enum Change { NONE, DRIFTED, RECOVERED }

    /** The last samples of one peer, a ring of {@value #SAMPLES}. */
    private static final class Tracker {
        private final long[] ring = new long[SAMPLES];
        /** Scratch for the median, kept: every ANNOUNCE of every peer comes here. */
        private final long[] sorted = new long[SAMPLES];
        private int count;
        private int next;
        private boolean warned;
        /** What the log last said (drifted or not), and when; -1: nothing logged yet. */
        private boolean loggedWarned;
        private long loggedAtMs = -1;
        private long median;

        /** The change to log now, if the state differs from what was last logged and the limit allows. */
        synchronized Change add(long offset, long nowMs) {
            track(offset);
            if (warned == loggedWarned || (loggedAtMs >= 0 && nowMs - loggedAtMs < LOG_EVERY_MS)) {
                return Change.NONE;
            }
            loggedWarned = warned;
            loggedAtMs = nowMs;
            return warned ? Change.DRIFTED : Change.RECOVERED;
        }

        private void track(long offset) {
            ring[next] = offset;
            next = (next + 1) % SAMPLES;
            count = Math.min(count + 1, SAMPLES);
            System.arraycopy(ring, 0, sorted, 0, count);
            Arrays.sort(sorted, 0, count);
            long lo = sorted[(count - 1) / 2];
            long hi = sorted[count / 2];
            // The mean of the middle two, without overflowing on absurd stamps.
            median = (lo >> 1) + (hi >> 1) + (lo & hi & 1);
            long off = Math.abs(median);
            // Judged only on a full ring: a node (or peer) busy with a thousand handshakes delivers its first
            // ANNOUNCEs seconds late, and one such sample alone would be its whole "median".
            if (!warned && count == SAMPLES && off > WARN_MS) {
                warned = true;
            } else if (warned && off < CLEAR_MS) {
                warned = false;
            }
        }

        synchronized long median() {
            return median;
        }
    }

    private final Supplier<NodeAddress> self;
    private final Map<NodeAddress, Tracker> peers = new ConcurrentHashMap<>();

    ClockOffsetTracker(Supplier<NodeAddress> self) {
        this.self = self;
    }

    /**
     * An ANNOUNCE from {@code peer} stamped {@code timestampMs} (its Unix time in ms)
     * arrived at {@code arrivalMs} (this node's). A stamp past 2^63 ms (a u64 read as a
     * negative long) is no time at all and is ignored.
     */
    void announced(NodeAddress peer, long timestampMs, long arrivalMs) {
        if (timestampMs < 0) {
            return;
        }
        Tracker t = peers.computeIfAbsent(peer, p -> new Tracker());
        Change change = t.add(timestampMs - arrivalMs, arrivalMs);
        if (change == Change.NONE) {
            return;
        }
        long median = t.median();
        if (change == Change.DRIFTED) {
            log.warn("{} - Clock of peer {} is {} ms {} this node's (median of its last {} ANNOUNCE timestamps, "
                    + "one-way delay included)", self.get(), peer, Math.abs(median), median > 0 ? "ahead of" : "behind",
                    SAMPLES);
        } else {
            log.info("{} - Clock of peer {} is back within {} ms of this node's ({} ms)", self.get(), peer, CLEAR_MS,
                    median);
        }
    }

    @Override
    public long offsetMillis(NodeAddress peer) {
        Tracker t = peers.get(peer);
        return t == null ? 0 : t.median();
    }

    @Override
    public boolean measured(NodeAddress peer) {
        return peers.containsKey(peer);
    }

    /** Forgets a peer once it is REMOVED; fed by the pool's own event queue, not by callers. */
    void onPeerEvent(PeerEvent e) {
        if (e.kind() == PeerEvent.Kind.REMOVED) {
            peers.remove(e.peer());
        }
    }
}
