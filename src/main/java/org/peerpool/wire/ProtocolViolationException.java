package org.peerpool.wire;

/**
 * A frame that breaks PROTOCOL.md section 2 or 3. The connection it arrived on is
 * closed at once; the message says what was wrong, for the log and the counters.
 */
public final class ProtocolViolationException extends Exception {

    public ProtocolViolationException(String reason) {
        super(reason, null, false, false);
    }
}
