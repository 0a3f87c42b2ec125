package org.peerpool.pool;

import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Decides which of many alike log lines to print: the first of a kind (say, violations
 * from one source IP), then at most one a minute carrying the count of those held
 * back, so a flood or a scan shows as a few summarized lines instead of thousands.
 * Touched under the pool's lock only.
 */
final class RepeatFilter {

    static final long WINDOW_NANOS = TimeUnit.MINUTES.toNanos(1);
    /** Distinct kinds remembered at most; a scan from many addresses must not grow this without bound. */
    private static final int MAX_KINDS = 10_000;

    private static final class Seen {
        long lastLoggedNanos;
        long heldBack;
    }

    private final Map<String, Seen> seen = new HashMap<>();

    /**
     * Returns -1 to stay quiet, else the number of alike lines held back since the last
     * one printed (0 for the first of its kind).
     */
    long admit(String kind, long nowNanos) {
        Seen s = seen.get(kind);
        if (s == null) {
            if (seen.size() >= MAX_KINDS) {
                seen.clear();
            }
            s = new Seen();
            s.lastLoggedNanos = nowNanos;
            seen.put(kind, s);
            return 0;
        }
        if (nowNanos - s.lastLoggedNanos < WINDOW_NANOS) {
            s.heldBack++;
            return -1;
        }
        long held = s.heldBack;
        s.heldBack = 0;
        s.lastLoggedNanos = nowNanos;
        return held;
    }

    /**
     * The kinds whose window has passed, with the lines held back since their last one
     * (only kinds that held some back), so a burst that stopped still gets its summary.
     * Kinds whose window has passed are forgotten: the next line of that kind is again
     * the first of its kind.
     */
    Map<String, Long> drainDue(long nowNanos) {
        Map<String, Long> due = new TreeMap<>();
        for (Iterator<Map.Entry<String, Seen>> it = seen.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Seen> e = it.next();
            if (nowNanos - e.getValue().lastLoggedNanos >= WINDOW_NANOS) {
                if (e.getValue().heldBack > 0) {
                    due.put(e.getKey(), e.getValue().heldBack);
                }
                it.remove();
            }
        }
        return due;
    }
}
