package org.peerpool.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.peerpool.PeerEvent.Direction;

/** The shared heartbeat timer, on simulated time: periods kept, beats coalesced, stops final. */
class HeartbeatTimerTest {

    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    private final SimWorld world = new SimWorld(7);
    private final SimTimer timer = new SimTimer(world);
    private final Map<Connection, List<Long>> beats = new HashMap<>();
    private final HeartbeatTimer heartbeats = new HeartbeatTimer(timer, world,
            c -> beats.computeIfAbsent(c, k -> new ArrayList<>()).add(world.nanoTime()));

    private Connection connection() {
        return new Connection(Direction.INBOUND, null, 4_194_304, 16_777_216, world);
    }

    @Test
    void eachConnectionBeatsOncePerItsOwnPeriod() {
        Connection fast = connection();
        Connection slow = connection();
        heartbeats.start(fast, SECOND, 2 * SECOND);
        heartbeats.start(slow, 3 * SECOND, 5 * SECOND);
        world.runUntil(60 * SECOND, () -> { });
        // fast: 1, 3, ..., 59 s; slow: 3, 8, ..., 58 s (a beat may go up to the coalescing window early).
        assertEquals(30, beats.get(fast).size(), "fast beats: " + beats.get(fast));
        assertEquals(12, beats.get(slow).size(), "slow beats: " + beats.get(slow));
        for (List<Long> at : beats.values()) {
            for (int i = 1; i < at.size(); i++) {
                long gap = at.get(i) - at.get(i - 1);
                assertTrue(gap >= SECOND, "beats too close: " + at);
            }
        }
    }

    @Test
    void beatsWithinTheWindowShareOneWakeUp() {
        List<Connection> all = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            Connection c = connection();
            all.add(c);
            // Spread over 10 s: 100 beats, but only 10 s / 250 ms wake-ups at most.
            heartbeats.start(c, (i + 1) * TimeUnit.MILLISECONDS.toNanos(100), 20 * SECOND);
        }
        long steps0 = world.steps();
        world.runUntil(12 * SECOND, () -> { });
        long wakeUps = world.steps() - steps0;
        for (Connection c : all) {
            assertEquals(1, beats.get(c).size(), "one beat each in the first interval");
        }
        assertTrue(wakeUps <= 10 * SECOND / HeartbeatTimer.COALESCE_NANOS + 1, wakeUps + " timer wake-ups for 100 beats");
    }

    @Test
    void aStoppedConnectionBeatsNoMore() {
        Connection kept = connection();
        Connection stopped = connection();
        heartbeats.start(kept, SECOND, SECOND * 2);
        HeartbeatTimer.Beat b = heartbeats.start(stopped, SECOND, SECOND * 2);
        world.runUntil(4 * SECOND, () -> { });
        b.cancel();
        world.runUntil(20 * SECOND, () -> { });
        assertEquals(2, beats.get(stopped).size(), "beats before the stop only: " + beats.get(stopped));
        assertEquals(10, beats.get(kept).size());
        assertEquals(1, heartbeats.size());
    }

    @Test
    void aWakeUpReplacedWhileItRunsArmsNoSecondChain() {
        // A timer whose cancel comes too late, as for a wake-up already running when it is replaced.
        ScheduledExecutorService late = (ScheduledExecutorService) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {ScheduledExecutorService.class}, (proxy, m, args) -> {
                    Object f = m.invoke(timer, args);
                    return !(f instanceof ScheduledFuture<?>) ? f : Proxy.newProxyInstance(getClass().getClassLoader(),
                            new Class<?>[] {ScheduledFuture.class}, (p2, m2, a2) ->
                                    m2.getName().equals("cancel") ? false : m2.invoke(f, a2));
                });
        HeartbeatTimer lateBeats = new HeartbeatTimer(late, world,
                c -> beats.computeIfAbsent(c, k -> new ArrayList<>()).add(world.nanoTime()));
        Connection first = connection();
        Connection earlier = connection();
        lateBeats.start(first, 10 * SECOND, 20 * SECOND);
        // Due sooner: the wake-up for 10 s is replaced, but still runs.
        lateBeats.start(earlier, 5 * SECOND, 20 * SECOND);
        long steps0 = world.steps();
        world.runUntil(200 * SECOND, () -> { });
        assertEquals(10, beats.get(first).size());
        assertEquals(10, beats.get(earlier).size());
        // One wake-up per beat time (5, 10, 25, 30, ... s), plus the replaced one running once for nothing.
        assertEquals(21, world.steps() - steps0, "timer wake-ups");
    }
}
