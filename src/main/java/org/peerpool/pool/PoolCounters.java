package org.peerpool.pool;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The pool's counters since start, for JMX and tests. Atomic, so they are counted and
 * read without the pool's lock.
 */
final class PoolCounters {

    final AtomicLong connectAttempts = new AtomicLong();
    final AtomicLong handshakeFailures = new AtomicLong();
    final AtomicLong protocolViolations = new AtomicLong();
    final AtomicLong superseded = new AtomicLong();
    final AtomicLong unknownMessages = new AtomicLong();
    final AtomicLong handshakesRefused = new AtomicLong();
    /** Keys that matched no pin, in either role (PROTOCOL.md section 7). */
    final AtomicLong keyMismatches = new AtomicLong();
}
