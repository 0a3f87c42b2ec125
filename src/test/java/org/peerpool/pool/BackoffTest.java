package org.peerpool.pool;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The reconnect schedule: soon after a dial the peer was not ready for, at the
 * {@code reconnect_min_ms} pace for a while, then doubling; a peer that stays down
 * costs at most 10 attempts a minute after two minutes; jitter never piles up on a bound.
 */
class BackoffTest {

    private static final int MIN = 1000;
    private static final int MAX = 60_000;
    private static final String REFUSED = "connect failed: Connection refused";
    private static final String CLOSED = "closed during handshake";

    @Test
    void aDialThePeerWasNotReadyForIsRetriedWithinASecondAndAgainSoon() {
        for (String reason : List.of(REFUSED, CLOSED)) {
            long total = 0;
            for (int failures = 1; failures <= Backoff.QUICK_MS.length; failures++) {
                Backoff.Window w = Backoff.window(failures, reason, MIN, MAX);
                assertTrue(w.hiMs() < MIN, reason + ", failure " + failures + ": " + w);
                total += w.hiMs();
            }
            assertTrue(Backoff.window(1, reason, MIN, MAX).hiMs() <= 60, reason + ": first retry well under 100 ms");
            assertTrue(total < 2000, reason + ": five retries within 2 s, took up to " + total + " ms");
        }
    }

    @Test
    void afterTheQuickRetriesItRetriesEveryMinDelayForAWhileThenDoubles() {
        int first = Backoff.QUICK_MS.length + 1;
        for (int failures = first; failures < first + Backoff.STEADY_TRIES; failures++) {
            Backoff.Window w = Backoff.window(failures, REFUSED, MIN, MAX);
            assertEquals(MIN, w.loMs(), "failure " + failures);
            assertTrue(w.hiMs() <= MIN * 1.2, "failure " + failures + ": " + w);
        }
        int doubled = first + Backoff.STEADY_TRIES;
        assertEquals(new Backoff.Window(1600, 2400), Backoff.window(doubled, REFUSED, MIN, MAX));
        assertEquals(new Backoff.Window(3200, 4800), Backoff.window(doubled + 1, REFUSED, MIN, MAX));
        assertEquals(new Backoff.Window(48_000, MAX), Backoff.window(doubled + 10, REFUSED, MIN, MAX));
    }

    @Test
    void aFailureOtherThanNotReadyDoublesAtOnce() {
        String rejected = "handshake rejected: unknown peer";
        assertEquals(new Backoff.Window(1600, 2400), Backoff.window(1, rejected, MIN, MAX));
        assertEquals(new Backoff.Window(3200, 4800), Backoff.window(2, rejected, MIN, MAX));
        assertEquals(new Backoff.Window(MIN, 1200), Backoff.window(0, "", MIN, MAX), "a lost link: min delay");
    }

    @Test
    void quickRetriesNeverExceedTheMinDelay() {
        for (int failures = 1; failures <= Backoff.QUICK_MS.length; failures++) {
            Backoff.Window w = Backoff.window(failures, REFUSED, 100, 1000);
            assertTrue(w.hiMs() <= 120, "failure " + failures + ": " + w);
        }
    }

    @Test
    void aPeerThatStaysDownIsTriedAtMostTenTimesAMinuteAfterTwoMinutes() {
        // The densest possible schedule: every delay at the short end of its window, dials taking no time.
        for (String reason : List.of(REFUSED, CLOSED, "handshake rejected: unknown peer")) {
            List<Long> attempts = new ArrayList<>();
            long t = 0;
            attempts.add(t);
            for (int failures = 1; t < 3_600_000; failures++) {
                t += Backoff.window(failures, reason, MIN, MAX).loMs();
                attempts.add(t);
            }
            for (long from = 120_000; from < 3_540_000; from += 100) {
                long start = from;
                long inMinute = attempts.stream().filter(a -> a >= start && a < start + 60_000).count();
                assertTrue(inMinute <= 10, reason + ": " + inMinute + " attempts in the minute from " + start + " ms");
            }
            if (Backoff.notReady(reason)) {
                assertTrue(attempts.stream().filter(a -> a < 2000).count() >= 5,
                        reason + ": quick retries first, got " + attempts.subList(0, 6));
            }
        }
    }

    @Test
    void jitterStaysInsideTheBoundsAndDoesNotPileUpOnThem() {
        // Two steps sit on a bound: the first after a lost link (min) and any late one (max).
        for (int failures : new int[] {0, 40}) {
            for (String reason : List.of(REFUSED, "")) {
                int atMin = 0;
                int atMax = 0;
                for (int i = 0; i < 10_000; i++) {
                    long d = Backoff.delayMs(failures, reason, MIN, MAX, java.util.concurrent.ThreadLocalRandom.current());
                    assertTrue(d >= MIN && d <= MAX, "delay " + d + " outside [" + MIN + ", " + MAX + "]");
                    atMin += d == MIN ? 1 : 0;
                    atMax += d == MAX ? 1 : 0;
                }
                String what = "failures " + failures + " '" + reason + "': ";
                assertTrue(atMin < 100, what + atMin + " of 10000 delays exactly at min");
                assertTrue(atMax < 100, what + atMax + " of 10000 delays exactly at max");
            }
        }
    }

    @Test
    void jitterSpreadsDelaysOverTheWholeWindow() {
        long lo = Long.MAX_VALUE;
        long hi = 0;
        for (int i = 0; i < 10_000; i++) {
            long d = Backoff.delayMs(0, "", MIN, MAX, java.util.concurrent.ThreadLocalRandom.current());
            lo = Math.min(lo, d);
            hi = Math.max(hi, d);
        }
        assertTrue(lo < MIN + 20 && hi > 1180, "delays spread over [1000, 1200], saw [" + lo + ", " + hi + "]");
    }
}
