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
 * session sends after it is discarded. A partial frame is kept until it completes,
 * never more than one frame's worth.
 */
public final class FrameDecoder extends IoFilterAdapter {

    private static final AttributeKey STATE = new AttributeKey(FrameDecoder.class, "state");
    /** A remainder buffer this large is dropped once drained, so idle sessions stay small. */
    private static final int KEEP_BUFFER_BYTES = 8192;

    private final ToIntFunction<IoSession> maxBodyBytes;

    /**
     * @param maxBodyBytes the largest frame body accepted on a session right now; asked
     *                     before every frame, so it may change as soon as a handshake completes
     */
    public FrameDecoder(ToIntFunction<IoSession> maxBodyBytes) {
        this.maxBodyBytes = maxBodyBytes;
    }

    private static final class State {
        IoBuffer remainder;
        boolean failed;
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
            state.remainder.put(in);
            state.remainder.flip();
            buf = state.remainder;
        }
        try {
            decodeFrames(next, session, buf, state);
        } catch (ProtocolViolationException e) {
            state.failed = true;
            state.remainder = null;
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
            if (buf.remaining() < MessageCodec.HEADER_BYTES + length) {
                return;
            }
            int bodyStart = buf.position() + MessageCodec.HEADER_BYTES;
            ByteBuffer body = buf.buf().duplicate();
            body.limit(bodyStart + (int) length).position(bodyStart);
            buf.position(bodyStart + (int) length);
            Message decoded = MessageCodec.decode(body);
            next.messageReceived(session, decoded);
        }
        if (state.failed || session.isClosing()) {
            buf.position(buf.limit());
        }
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
        if (buf == state.remainder) {
            buf.compact();
            return;
        }
        if (state.remainder == null) {
            state.remainder = IoBuffer.allocate(Math.max(buf.remaining(), 256)).setAutoExpand(true);
        } else {
            state.remainder.clear();
        }
        state.remainder.put(buf);
    }
}
