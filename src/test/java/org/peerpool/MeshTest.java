package org.peerpool;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.peerpool.PeerEvent.Direction;
import org.peerpool.config.NodeConfig;
import org.peerpool.testing.Await;
import org.peerpool.testing.PairChecker;
import org.peerpool.testing.TestNet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Four agents on 127.0.0.1..4 released together, again and again: each pair gets
 * exactly one connection, dialed by its lower address, with no wasted attempt.
 */
@Timeout(180)
class MeshTest {

    private final List<Agent> agents = new ArrayList<>();

    @AfterEach
    void stopAll() {
        agents.forEach(Agent::stop);
    }

    @Test
    void twentyRoundsOfSimultaneousStartsGiveExactlyOneConnectionPerPair() throws Exception {
        Random random = new Random(42);
        for (int round = 0; round < 20; round++) {
            int port = TestNet.freePort(4);
            agents.clear();
            for (NodeConfig.Builder b : TestNet.mesh(1, 4, port)) {
                Agent a = Agent.builder(b.build()).ioThreads(1).build();
                agents.add(a);
                a.listen();
            }
            // Nothing is ever superseded here, so any disagreement between two ends that a second read confirms is a duplicate.
            PairChecker probe = PairChecker.start(List.copyOf(agents), 0);
            CountDownLatch gate = new CountDownLatch(1);
            List<Thread> starters = new ArrayList<>();
            ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
            for (Agent a : agents) {
                int jitterMs = random.nextInt(30);
                Thread t = new Thread(() -> {
                    try {
                        gate.await();
                        Thread.sleep(jitterMs);
                        a.start();
                    } catch (Throwable e) {
                        errors.add(e);
                    }
                });
                t.start();
                starters.add(t);
            }
            gate.countDown();
            for (Thread t : starters) {
                t.join();
            }
            assertTrue(errors.isEmpty(), () -> "start failed: " + errors);
            int r = round;
            Await.until(Duration.ofSeconds(10), () -> agents.stream().allMatch(a -> a.pool().connectionCount() == 3),
                    () -> "round " + r + ": counts " + agents.stream().map(a -> a.pool().connectionCount()).toList());
            probe.close();
            assertEquals(List.of(), probe.problems(), "round " + round);
            assertTrue(probe.reads() > 0, "the probe read the pools");

            long attempts = 0;
            for (int i = 0; i < 4; i++) {
                Agent a = agents.get(i);
                long outbound = a.pool().snapshots().stream().filter(s -> s.direction() == Direction.OUTBOUND).count();
                assertEquals(3 - i, outbound, "round " + round + ": outbound of " + a.address());
                assertEquals(0, a.pool().handshakeFailures(), "round " + round + ": handshake failures of " + a.address());
                assertEquals(0, a.pool().superseded(), "round " + round + ": superseded on " + a.address());
                attempts += a.pool().connectAttempts();
            }
            assertEquals(6, attempts, "round " + round + ": connection attempts in total");
            agents.forEach(Agent::stop);
        }
    }
}
