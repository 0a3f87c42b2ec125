package org.peerpool.pool;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Reconnect delays: exponential from {@code reconnect_min_ms} to
 * {@code reconnect_max_ms}, with up to 20% jitter either way so that nodes that lost
 * a common peer at the same moment do not all dial it again at the same moment.
 */
final class Backoff {

    private Backoff() {
    }

    /** The delay before the next dial after {@code failures} consecutive failures. */
    static long delayMs(int failures, int minMs, int maxMs) {
        double base = Math.min((double) maxMs, minMs * Math.pow(2, Math.min(failures, 30)));
        double jittered = base * (0.8 + 0.4 * ThreadLocalRandom.current().nextDouble());
        return (long) Math.max(minMs, Math.min(maxMs, jittered));
    }
}
