package org.peerpool.pool;

import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Alike warnings: the first is printed, the rest counted into one summary a minute. */
class RepeatFilterTest {

    private static final long MINUTE = RepeatFilter.WINDOW_NANOS;

    @Test
    void theFirstOfAKindPrintsAndTheRestAreHeldBackForAMinute() {
        RepeatFilter f = new RepeatFilter();
        assertEquals(0, f.admit("flood 127.0.0.9", 0));
        assertEquals(-1, f.admit("flood 127.0.0.9", 1));
        assertEquals(-1, f.admit("flood 127.0.0.9", MINUTE - 1));
        assertEquals(0, f.admit("flood 127.0.0.8", 5), "another source is another kind");
        assertEquals(2, f.admit("flood 127.0.0.9", MINUTE), "after the window: one line carrying the count");
        assertEquals(-1, f.admit("flood 127.0.0.9", MINUTE + 1));
    }

    @Test
    void aBurstThatStoppedIsSummarizedOnceAndThenForgotten() {
        RepeatFilter f = new RepeatFilter();
        f.admit("violation 127.0.0.9", 0);
        f.admit("violation 127.0.0.9", 10);
        f.admit("violation 127.0.0.9", 20);
        f.admit("rejection 127.0.0.7", 0);
        assertEquals(Map.of(), f.drainDue(MINUTE - 1), "nothing due inside the window");
        assertEquals(Map.of("violation 127.0.0.9", 2L), f.drainDue(MINUTE), "only kinds that held lines back");
        assertEquals(Map.of(), f.drainDue(2 * MINUTE), "summarized once");
        assertEquals(0, f.admit("violation 127.0.0.9", 2 * MINUTE), "a new burst starts with a full line");
    }
}
