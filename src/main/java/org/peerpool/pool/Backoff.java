package org.peerpool.pool;

import java.util.random.RandomGenerator;

/**
 * Reconnect delays. A peer that refused the dial, or accepted and closed it before its
 * HANDSHAKE_ACK, is most likely still starting: it is retried soon ({@link #QUICK_MS},
 * never above {@code reconnect_min_ms}), then every {@code reconnect_min_ms} for
 * {@link #STEADY_TRIES} more tries, then at a delay doubling up to
 * {@code reconnect_max_ms}. Any other failure (a handshake the peer rejected, a lost
 * link) doubles from {@code reconnect_min_ms} at once. With the defaults (1 s, 60 s) a
 * peer that stays down is dialed at most twice a minute after the first two minutes.
 *
 * <p>Every delay is drawn uniformly from 20% either side of its step, the window cut
 * (not clamped) at {@code reconnect_min_ms} and {@code reconnect_max_ms}, so that nodes
 * that lost a common peer at the same moment spread their redials and none of them
 * piles up on a bound.
 */
final class Backoff {

    /** The first retries after a dial the peer was not ready for. */
    static final long[] QUICK_MS = {50, 100, 200, 400, 800};
    /** Retries at {@code reconnect_min_ms} after the quick ones, before the delay doubles. */
    static final int STEADY_TRIES = 20;
    private static final double JITTER = 0.2;

    /** The range one delay is drawn from, in ms, both ends included. */
    record Window(long loMs, long hiMs) {
    }

    private Backoff() {
    }

    /**
     * The delay before the next dial after {@code failures} consecutive failures, the
     * last of them {@code lastError} (0 failures: a link that was up and was lost).
     */
    static long delayMs(int failures, String lastError, int minMs, int maxMs, RandomGenerator random) {
        Window w = window(failures, lastError, minMs, maxMs);
        return random.nextLong(w.loMs(), w.hiMs() + 1);
    }

    /** Where {@link #delayMs} draws from for the same arguments. */
    static Window window(int failures, String lastError, int minMs, int maxMs) {
        double step = step(failures, notReady(lastError), minMs, maxMs);
        double lo = step * (1 - JITTER);
        double hi = Math.min(maxMs, step * (1 + JITTER));
        if (step >= minMs) {
            lo = Math.max(minMs, lo);
        }
        return new Window((long) Math.ceil(lo), Math.max((long) Math.ceil(lo), (long) Math.floor(hi)));
    }

    /** The failures that say the peer is not listening yet, or not yet able to answer a HANDSHAKE. */
    static boolean notReady(String lastError) {
        return lastError != null && (lastError.startsWith("connect failed") || lastError.equals("closed during handshake"));
    }

    private static double step(int failures, boolean notReady, int minMs, int maxMs) {
        if (failures <= 0) {
            return minMs;
        }
        int doublings = failures;
        if (notReady) {
            if (failures <= QUICK_MS.length) {
                return Math.min(QUICK_MS[failures - 1], minMs);
            }
            doublings = Math.max(0, failures - QUICK_MS.length - STEADY_TRIES);
        }
        return Math.min((double) maxMs, minMs * Math.pow(2, Math.min(doublings, 30)));
    }
}
