package org.peerpool.pool;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.peerpool.SendFailedException;
import org.peerpool.wire.Message;
import org.peerpool.wire.MessageCodec;
import org.peerpool.wire.NodeAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The send side: the application's {@code send} and {@code broadcast}, and the
 * ANNOUNCE heartbeat. Sending takes the pool's lock only to find the connection and
 * writes outside it; nothing here throws to a caller, every failure is a failed future
 * with a {@link SendFailedException}.
 */
final class Sender {

    private static final Logger log = LoggerFactory.getLogger(ConnectionPool.class);

    private final PoolState state;
    private final Closer closer;
    private final HeartbeatTimer heartbeats;

    Sender(PoolState state, Closer closer) {
        this.state = state;
        this.closer = closer;
        this.heartbeats = new HeartbeatTimer(state.timer, state.clock, this::announce);
    }

    /** Sends {@code m} to one peer; see {@link ConnectionPool#send}. */
    CompletableFuture<Void> send(NodeAddress peer, Message m) {
        Connection c = state.locked(() -> {
            PeerEntry e = state.entryLocked(peer);
            return e == null ? null : e.current;
        });
        if (c == null) {
            return CompletableFuture.failedFuture(new SendFailedException(peer, "not connected"));
        }
        ByteBuffer frame;
        try {
            frame = encode(m);
        } catch (IllegalArgumentException unfit) {
            return CompletableFuture.failedFuture(new SendFailedException(peer, unfit.getMessage(), unfit));
        }
        return sendOn(c, frame);
    }

    /** Sends {@code m} to every connected peer, encoding it once; one future per peer. */
    Map<NodeAddress, CompletableFuture<Void>> broadcast(Message m) {
        List<Connection> targets = state.locked(() -> {
            List<Connection> out = new ArrayList<>();
            for (PeerEntry e : state.peersLocked().values()) {
                if (e.current != null) {
                    out.add(e.current);
                }
            }
            return out;
        });
        Map<NodeAddress, CompletableFuture<Void>> out = new LinkedHashMap<>();
        ByteBuffer frame;
        try {
            frame = encode(m);
        } catch (IllegalArgumentException unfit) {
            for (Connection c : targets) {
                out.put(c.peer(), CompletableFuture.failedFuture(new SendFailedException(c.peer(), unfit.getMessage(), unfit)));
            }
            return out;
        }
        for (Connection c : targets) {
            out.put(c.peer(), sendOn(c, frame.duplicate()));
        }
        return out;
    }

    /** The frame of an application message; a missing field is refused like one that does not fit. */
    private static ByteBuffer encode(Message m) {
        if (m instanceof Message.Payload p && (p.topic() == null || p.data() == null)) {
            throw new IllegalArgumentException(p.topic() == null ? "topic is null" : "data is null");
        }
        return MessageCodec.encode(m);
    }

    CompletableFuture<Void> sendOn(Connection c, ByteBuffer frame) {
        return c.send(frame, () -> {
            log.warn("{} - Send queue to {} passed max_pending_bytes ({}); disconnecting it", state.self(), c.peer(),
                    state.config().maxPendingBytes());
            state.locked(() -> closer.closeLocked(c, "send queue full", "send queue full"));
        });
    }

    /** Starts the ANNOUNCE heartbeat of a connection that just came up. */
    void startHeartbeatLocked(Connection c) {
        state.assertLocked();
        long period = TimeUnit.SECONDS.toNanos(state.config().heartbeatIntervalS());
        // Spread first beats over the second half of the interval so many connections never beat together.
        long first = period / 2 + state.clock.random().nextLong(period / 2 + 1);
        c.heartbeat = heartbeats.start(c, first, period);
    }

    private void announce(Connection c) {
        long seq = ++c.announceSequence;
        sendOn(c, MessageCodec.encode(new Message.Announce(state.self().toString(), seq, state.clock.wallMillis())));
    }
}
