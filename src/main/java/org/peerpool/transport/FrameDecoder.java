package org.peerpool.transport;

import java.nio.ByteBuffer;
import java.util.function.ToIntFunction;

import org.apache.mina.core.buffer.IoBuffer;
import org.apache.mina.core.filterchain.IoFilterAdapter;
import org.apache.mina.core.session.AttributeKey;
import org.apache.mina.core.session.IoSession;
import org.peerpool.wire.Message;
import org.peerpool.wire.MessageCodec;
import org.peerpool.wire.ProtocolViolationException;

/**
 * MINA filter that cuts the byte stream into frames (PROTOCOL.md section 2) and
 * passes each decoded {@link Message} on, one at a time. Each message reaches the
 * handler before the next frame is even measured, so the size limit that applies
 * (4096 bytes before the handshake, {@code max_frame_bytes} after it) is always the
 * one in force for that frame. A violation is passed on as a
 * {@link ProtocolViolationException} to {@code exceptionCaught}, and everything the
 * session sends after it is discarded. A partial frame is kept until it completes, in
 * a buffer sized for it (never doubled on growth); a large one first gets its size from
 * the node's {@link InboundBudget}, which may hold the session's reads until there is
 * room.
 */
public final class FrameDecoder extends IoFilterAdapter {

    private static final AttributeKey STATE = new AttributeKey(FrameDecoder.class, "state");
    /** A remainder buffer this large is dropped once drained, so idle sessions stay small. */
    private static final int KEEP_BUFFER_BYTES = 8192;

    private final ToIntFunction<IoSession> maxBodyBytes;
    private final InboundBudget budget;

    /**
     * @param maxBodyBytes the largest frame body accepted on a session right now; asked
     *                     before every frame, so it may change as soon as a handshake completes
     * @param budget       the node's budget for large frames still arriving
     */
    FrameDecoder(ToIntFunction<IoSession> maxBodyBytes, InboundBudget budget) {
        this.maxBodyBytes = maxBodyBytes;
        this.budget = budget;
    }

    private static final class State {
        IoBuffer remainder;
        boolean failed;
        /** Bytes the budget granted to the large frame arriving now; 0 when none. */
        long granted;
    }

    @Override
    public void sessionClosed(NextFilter next, IoSession session) throws Exception {
        State state = (State) session.getAttribute(STATE);
        if (state != null) {
            giveBack(state);
            state.remainder = null;
        }
        budget.forget(session);
        next.sessionClosed(session);
    }

    private void giveBack(State state) {
        long g = state.granted;
        if (g > 0) {
            state.granted = 0;
            budget.release(g);
        }
    }

    @Override
    public void messageReceived(NextFilter next, IoSession session, Object message) throws Exception {
        if (!(message instanceof IoBuffer in)) {
            next.messageReceived(session, message);
            return;
        }
        State state = (State) session.getAttribute(STATE);
        if (state == null) {
            state = new State();
            session.setAttribute(STATE, state);
        }
        if (state.failed) {
            in.position(in.limit());
            return;
        }
        IoBuffer buf = in;
        if (state.remainder != null && state.remainder.position() > 0) {
            append(state, in);
            state.remainder.flip();
            buf = state.remainder;
        }
        try {
            decodeFrames(next, session, buf, state);
        } catch (ProtocolViolationException e) {
            state.failed = true;
            state.remainder = null;
            giveBack(state);
            in.position(in.limit());
            next.exceptionCaught(session, e);
            return;
        }
        keepRemainder(state, buf);
    }

    private void decodeFrames(NextFilter next, IoSession session, IoBuffer buf, State state) throws ProtocolViolationException {
        while (buf.remaining() >= MessageCodec.HEADER_BYTES && !state.failed && !session.isClosing()) {
            long length = buf.getUnsignedInt(buf.position());
            if (length == 0) {
                throw new ProtocolViolationException("frame length 0 (expected at least 1)");
            }
            int limit = maxBodyBytes.applyAsInt(session);
            if (length > limit) {
                throw new ProtocolViolationException("frame length " + length + " over the limit of " + limit + " bytes");
            }
            long frameBytes = MessageCodec.HEADER_BYTES + length;
            if (buf.remaining() < frameBytes) {
                if (frameBytes > InboundBudget.SMALL_FRAME_BYTES && state.granted == 0
                        && budget.request(session, frameBytes)) {
                    state.granted = frameBytes;
                }
                // Not granted: the session's reads are suspended, and what arrived is kept (under one read's worth).
                return;
            }
            int bodyStart = buf.position() + MessageCodec.HEADER_BYTES;
            ByteBuffer body = buf.buf().duplicate();
            body.limit(bodyStart + (int) length).position(bodyStart);
            buf.position(bodyStart + (int) length);
            Message decoded = MessageCodec.decode(body);
            next.messageReceived(session, decoded);
            // Delivered: its room goes to the next large frame, here or on a waiting session.
            giveBack(state);
        }
        if (state.failed || session.isClosing()) {
            buf.position(buf.limit());
        }
    }

    /** Appends {@code in} to the remainder, growing it to exactly what is needed (never doubling). */
    private static void append(State state, IoBuffer in) {
        IoBuffer r = state.remainder;
        if (r.remaining() < in.remaining()) {
            long want = Math.max((long) r.position() + in.remaining(), state.granted);
            IoBuffer bigger = IoBuffer.allocate((int) Math.min(Integer.MAX_VALUE, want));
            r.flip();
            bigger.put(r);
            state.remainder = bigger;
        }
        state.remainder.put(in);
    }

    private static void keepRemainder(State state, IoBuffer buf) {
        if (!buf.hasRemaining()) {
            if (state.remainder != null) {
                if (state.remainder.capacity() > KEEP_BUFFER_BYTES) {
                    state.remainder = null;
                } else {
                    state.remainder.clear();
                }
            }
            return;
        }
        if (buf == state.remainder && (state.granted > 0 || buf.capacity() <= KEEP_BUFFER_BYTES
                || buf.remaining() > KEEP_BUFFER_BYTES)) {
            buf.compact();
            return;
        }
        // What is left starts the next frame: a buffer its size (or the frame's, once granted), not the last one's.
        IoBuffer kept = IoBuffer.allocate((int) Math.max(Math.max(buf.remaining(), 256), state.granted));
        kept.put(buf);
        state.remainder = kept;
    }
}
