package org.peerpool.transport;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

import org.apache.mina.core.session.IoSession;

/**
 * The node's memory budget for frames still arriving ({@code [security]
 * max_inbound_buffer_bytes}, DESIGN.md A2). A session whose next frame is large asks
 * for the frame's whole size before it buffers it; when the budget cannot grant that,
 * its reads are suspended (the sender's TCP window closes, so heavy traffic slows down
 * instead of filling the heap) and resumed once frames that held the budget have been
 * delivered. A granted frame always fits, so granted frames complete as their senders
 * send, and nothing waits on itself. Small frames (handshakes, heartbeats, payloads up
 * to {@link #SMALL_FRAME_BYTES}) never wait: each session holds at most one of them,
 * so a new peer can always connect.
 */
final class InboundBudget {

    /** Frames up to this size are buffered without asking. */
    static final int SMALL_FRAME_BYTES = 64 * 1024;

    private final LongSupplier limit;
    // Guarded by this.
    private long granted;
    /** Sessions whose frame waits for room, in the order they asked, with what they asked for. */
    private final Map<IoSession, Long> waiting = new LinkedHashMap<>();
    /** Room set aside for a waiting session when it was resumed; taken at its next request. */
    private final Map<IoSession, Long> setAside = new HashMap<>();

    /** @param limit the budget in bytes, asked at every request so a reload applies at once */
    InboundBudget(LongSupplier limit) {
        this.limit = limit;
    }

    /**
     * Grants {@code bytes} for one frame of {@code session}, or suspends its reads and
     * returns false; it is resumed, with its room set aside, once enough frames gave
     * theirs back, and asks again when its next bytes arrive. Waiting sessions are served
     * in order, before newcomers. A frame larger than the whole budget is granted when
     * nothing else holds any, so it is slowed, never refused.
     */
    synchronized boolean request(IoSession session, long bytes) {
        Long aside = setAside.remove(session);
        if (aside != null) {
            return true;
        }
        if (waiting.isEmpty() && fits(bytes)) {
            granted += bytes;
            return true;
        }
        waiting.put(session, bytes);
        // Inside the lock: a release between deciding and suspending would resume it first, and lose the resume.
        // suspendRead only flags the session for its I/O thread; it does not block.
        session.suspendRead();
        return false;
    }

    /** Gives back what a frame held, and resumes the waiting sessions that now fit, in order. */
    void release(long bytes) {
        List<IoSession> wake = new ArrayList<>();
        synchronized (this) {
            granted -= bytes;
            serveWaitingLocked(wake);
        }
        for (IoSession s : wake) {
            s.resumeRead();
        }
    }

    /** A closed session waits no longer, and room set aside for it goes back. */
    void forget(IoSession session) {
        List<IoSession> wake = new ArrayList<>();
        synchronized (this) {
            waiting.remove(session);
            Long aside = setAside.remove(session);
            if (aside != null) {
                granted -= aside;
                serveWaitingLocked(wake);
            }
        }
        for (IoSession s : wake) {
            s.resumeRead();
        }
    }

    private void serveWaitingLocked(List<IoSession> wake) {
        Iterator<Map.Entry<IoSession, Long>> it = waiting.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<IoSession, Long> w = it.next();
            if (!fits(w.getValue())) {
                return;
            }
            granted += w.getValue();
            setAside.put(w.getKey(), w.getValue());
            it.remove();
            wake.add(w.getKey());
        }
    }

    private boolean fits(long bytes) {
        return granted == 0 || granted + bytes <= limit.getAsLong();
    }

    /** Bytes granted to frames still arriving. */
    synchronized long granted() {
        return granted;
    }
}
