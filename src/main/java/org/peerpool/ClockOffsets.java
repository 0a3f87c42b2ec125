package org.peerpool;

import org.peerpool.wire.NodeAddress;

/**
 * How far each peer's clock is from this node's, estimated from its ANNOUNCE
 * heartbeats (the median of the last few {@code timestamp_ms} minus this node's clock
 * at arrival, one-way network delay included). Read-only; the pool feeds it.
 */
public interface ClockOffsets {

    /** The peer's estimated offset in ms (positive: its clock is ahead), 0 before its first ANNOUNCE. */
    long offsetMillis(NodeAddress peer);

    /** True once at least one ANNOUNCE of the peer was measured. */
    boolean measured(NodeAddress peer);
}
