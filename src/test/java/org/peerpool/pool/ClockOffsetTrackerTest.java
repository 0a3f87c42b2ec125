package org.peerpool.pool;

import org.junit.jupiter.api.Test;
import org.peerpool.testing.LogCapture;
import org.peerpool.wire.NodeAddress;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A peer sets its ANNOUNCE stamps, so it decides when its clock looks off: the clock
 * lines it can trigger are limited to one per peer in ten minutes, and what the log
 * says catches up with the state once that time has passed.
 */
class ClockOffsetTrackerTest {

    private static final NodeAddress SELF = NodeAddress.parse("127.0.0.1:7100");
    private static final NodeAddress PEER = NodeAddress.parse("127.0.0.2:7100");
    private static final long T0 = 1_800_000_000_000L;
    private static final long MINUTE = 60_000;

    private static void stamps(ClockOffsetTracker c, long offsetMs, long atMs) {
        for (int i = 0; i < ClockOffsetTracker.SAMPLES; i++) {
            c.announced(PEER, atMs + i + offsetMs, atMs + i);
        }
    }

    private static long clockWarnings(LogCapture log) {
        return log.messages().stream().filter(m -> m.contains("Clock of peer " + PEER)).count();
    }

    @Test
    void aLateFirstAnnounceIsNoDriftTheMedianWaitsForFiveSamples() {
        ClockOffsetTracker c = new ClockOffsetTracker(() -> SELF);
        try (LogCapture log = LogCapture.warnings(ConnectionPool.class)) {
            // A node launched into a thousand peers reads their first ANNOUNCEs seconds late.
            c.announced(PEER, T0 - 2400, T0);
            c.announced(PEER, T0 + 30_000 - 2100, T0 + 30_000);
            assertEquals(0, clockWarnings(log), "two late samples are no median of five: " + log.messages());
            for (int i = 2; i < ClockOffsetTracker.SAMPLES; i++) {
                c.announced(PEER, T0 + i * 30_000, T0 + i * 30_000);
            }
            assertEquals(0, clockWarnings(log), "three in step of five: " + log.messages());
            assertEquals(0, c.offsetMillis(PEER));
            stamps(c, -3000, T0 + 5 * 30_000);
            assertEquals(1, clockWarnings(log), "a clock really behind is told once five samples say so");
            assertEquals(-3000, c.offsetMillis(PEER));
        }
    }

    @Test
    void aPeerAlternatingItsStampsGetsOneWarningInTenMinutes() {
        ClockOffsetTracker c = new ClockOffsetTracker(() -> SELF);
        try (LogCapture log = LogCapture.warnings(ConnectionPool.class)) {
            stamps(c, 5000, T0);
            assertEquals(1, clockWarnings(log), "the first drift is told at once");
            for (int round = 1; round <= 6; round++) {
                stamps(c, 0, T0 + round * MINUTE);
                stamps(c, 5000, T0 + round * MINUTE + 30_000);
            }
            assertEquals(1, clockWarnings(log), "flips within ten minutes stay quiet: " + log.messages());
            assertEquals(5000, c.offsetMillis(PEER), "the offset itself is always current");

            stamps(c, 0, T0 + 11 * MINUTE);
            stamps(c, 5000, T0 + 12 * MINUTE);
            assertEquals(1, clockWarnings(log), "the recovery was told (INFO), the drift a minute later waits");
            stamps(c, 5000, T0 + 22 * MINUTE);
            assertEquals(2, clockWarnings(log), "ten minutes on, the log catches up with the drift");
        }
    }
}
