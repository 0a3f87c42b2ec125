package org.peerpool.pool;

import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

import org.peerpool.wire.NodeAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pool's warnings that could repeat without end, kept to what an operator can
 * read: a peer that cannot be reached is logged on its first failure (or, when it
 * refused the dial, once it refused the quick retries too) and then summarized every
 * ten minutes; strangers' violations, rejections and floods are
 * logged once per source IP and then summarized once a minute. Decided under the
 * pool's lock (the counts live there) and written after it is released.
 */
final class PoolLog {

    private static final Logger log = LoggerFactory.getLogger(ConnectionPool.class);
    /** Repeated dial failures of one peer are summarized at most this often. */
    private static final long FAILURE_SUMMARY_NANOS = TimeUnit.MINUTES.toNanos(10);

    private final PoolState state;
    private final RepeatFilter repeats = new RepeatFilter();

    PoolLog(PoolState state) {
        this.state = state;
    }

    private void warnLater(String format, Object... args) {
        state.afterUnlockLocked(() -> log.warn(format, args));
    }

    /** A dial to {@code e} failed again ({@code e.failedAttempts} already counts it). */
    void dialFailedLocked(PeerEntry e, String reason) {
        state.assertLocked();
        NodeAddress self = state.self();
        long now = state.clock.nanoTime();
        // A peer that refused only the quick first retries is most likely starting too (a mesh launched at once):
        // an operator hears of it once it is still down after them.
        if (e.failedAttempts == 1) {
            e.quietFailures = 0;
        }
        if (Backoff.notReady(reason) && e.failedAttempts <= Backoff.QUICK_MS.length
                && e.quietFailures == e.failedAttempts - 1) {
            e.quietFailures++;
            int attempt = e.failedAttempts;
            state.afterUnlockLocked(() -> log.debug("{} - Attempt {} to {} failed: {}", self, attempt, e.address, reason));
            return;
        }
        if (e.failedAttempts == e.quietFailures + 1) {
            warnLater("{} - Cannot connect to {}: {}; retrying with backoff (repeats are summarized)", self,
                    e.address, reason);
            e.lastFailureLogNanos = now;
            return;
        }
        e.unloggedFailures++;
        if (now - e.lastFailureLogNanos >= FAILURE_SUMMARY_NANOS) {
            warnLater("{} - Still cannot connect to {}: {} more failed attempts, last: {}", self, e.address,
                    e.unloggedFailures, reason);
            e.unloggedFailures = 0;
            e.lastFailureLogNanos = now;
        } else {
            int attempt = e.failedAttempts;
            state.afterUnlockLocked(() -> log.debug("{} - Attempt {} to {} failed: {}", self, attempt, e.address, reason));
        }
    }

    /**
     * A WARN about a stranger's connection: {@code message}'s first {@code {}} is
     * replaced by {@code from}. The first of its kind per source IP is logged, then one
     * summary a minute.
     */
    void warnRepeatedLocked(String kind, InetSocketAddress from, String message) {
        state.assertLocked();
        NodeAddress self = state.self();
        // Per source, an IPv6 one by its /64: one host holds every address in it.
        String ip = from == null ? "?" : SourceGroup.describe(from.getAddress());
        // The message may quote what a stranger sent; it is an argument, never a format string.
        int at = message.indexOf("{}");
        String text = LogText.printable(at < 0 ? message
                : message.substring(0, at) + from + message.substring(at + 2));
        long held = repeats.admit(kind + " " + ip, state.clock.nanoTime());
        if (held == 0) {
            warnLater("{} - {}", self, text);
        } else if (held > 0) {
            warnLater("{} - {} ({} more like it from {} in the last minute)", self, text, held, ip);
        }
    }

    /** Logs the summaries due for bursts that have gone quiet (call about once a minute). */
    void summarizeQuietBurstsLocked() {
        state.assertLocked();
        NodeAddress self = state.self();
        repeats.drainDue(state.clock.nanoTime()).forEach((kind, held) ->
                warnLater("{} - {} more {} warnings about {} in the last minute", self, held,
                        kind.substring(0, kind.indexOf(' ')), kind.substring(kind.indexOf(' ') + 1)));
    }
}
