package org.peerpool;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.peerpool.PeerEvent.Direction;
import org.peerpool.config.NodeConfig;
import org.peerpool.pool.PeerSnapshot;
import org.peerpool.testing.Await;
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
            PairProbe probe = new PairProbe(agents, true);
            probe.start();
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
            probe.stop();
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

    /**
     * Reads every pool continuously and records any moment where a pool lists a peer
     * twice or (with {@code crossCheck}) two pools disagree about which TCP connection
     * joins them. The cross check holds only where no connection is ever replaced: a
     * supersede switches the two ends a moment apart.
     */
    static final class PairProbe {
        private final List<Agent> agents;
        private final boolean crossCheck;
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
        private Thread thread;
        private volatile long reads;

        PairProbe(List<Agent> agents, boolean crossCheck) {
            this.agents = List.copyOf(agents);
            this.crossCheck = crossCheck;
        }

        void start() {
            thread = new Thread(() -> {
                while (running.get()) {
                    check();
                    reads++;
                }
            }, "pair-probe");
            thread.start();
        }

        void stop() throws InterruptedException {
            running.set(false);
            thread.join();
            check();
        }

        long reads() {
            return reads;
        }

        List<String> problems() {
            return List.copyOf(problems);
        }

        private void check() {
            for (Agent a : agents) {
                var connected = a.pool().connectedPeers();
                if (new HashSet<>(connected).size() != connected.size()) {
                    problems.add(a.address() + " lists a peer twice: " + connected);
                }
                for (Agent b : agents) {
                    if (!crossCheck || a.address().compareTo(b.address()) >= 0) {
                        continue;
                    }
                    Optional<PeerSnapshot> ab = a.pool().snapshot(b.address());
                    Optional<PeerSnapshot> ba = b.pool().snapshot(a.address());
                    if (ab.isPresent() && ba.isPresent() && ab.get().connectionId() != 0 && ba.get().connectionId() != 0) {
                        String aLocal = ab.get().localSocket();
                        String bRemote = ba.get().remoteSocket();
                        // Both connected at the same time must mean the same socket pair, seen from its two ends.
                        if (!aLocal.equals(bRemote) && stillBothConnected(a, b)) {
                            problems.add(a.address() + " and " + b.address() + " hold different connections: "
                                    + aLocal + " vs " + bRemote);
                        }
                    }
                }
            }
        }

        private static boolean stillBothConnected(Agent a, Agent b) {
            Optional<PeerSnapshot> ab = a.pool().snapshot(b.address());
            Optional<PeerSnapshot> ba = b.pool().snapshot(a.address());
            return ab.isPresent() && ba.isPresent() && ab.get().connectionId() != 0 && ba.get().connectionId() != 0
                    && !ab.get().localSocket().equals(ba.get().remoteSocket());
        }
    }
}
