package org.peerpool.linkloss;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.peerpool.Agent;
import org.peerpool.PeerEvent;
import org.peerpool.PeerEvent.Direction;
import org.peerpool.config.NodeConfig;
import org.peerpool.PeerSnapshot;
import org.peerpool.testing.Await;
import org.peerpool.testing.PairChecker;
import org.peerpool.testing.ProcNetTcp;
import org.peerpool.testing.TestNet;
import org.peerpool.wire.NodeAddress;

import jdk.net.ExtendedSocketOptions;

/**
 * Silent link loss between two nodes, run inside a private network namespace by
 * {@link SilentLinkLossTest} (it changes that namespace's routing rules, so it must
 * never run anywhere else). Two agents on 127.0.0.1 and 127.0.0.2 connect; the link
 * between them is then cut with blackhole rules, so every packet is dropped without
 * FIN, RST or ICMP. Each side must notice within the bound that applies to the
 * traffic pattern, both must keep trying while it is cut, and once it heals the pair
 * must be back on exactly one canonical connection, seen the same from both ends. A
 * checker reads both pools the whole time. Prints {@code RESULT {json}} and exits 0
 * when every check held, 1 otherwise.
 *
 * <p>Patterns ({@code args[0]}):
 * <ul>
 * <li>{@code idle}: nothing is written on the connection (heartbeat and idle timeout
 * far away), so TCP keepalive finds the dead link: within
 * {@code keepalive_idle_s + keepalive_interval_s x keepalive_count} of the cut
 * (PROTOCOL.md section 5), and no sooner than the probes take.</li>
 * <li>{@code write}: both sides write during the cut (heartbeats, a payload). Data
 * waiting for an acknowledgement suspends keepalive probes (the kernel retransmits
 * instead, for many minutes), so it is the read-idle timeout that finds the dead link:
 * within {@code idle_timeout_s} of the last frame received, plus up to one second for
 * MINA's idle check. The idle timeout is set above the keepalive bound here, so a
 * keepalive detection would show up as the wrong reason.</li>
 * </ul>
 */
public final class SilentLinkScenario {

    enum Pattern { IDLE, WRITE }

    static final int PORT = 7100;
    static final int KEEPALIVE_IDLE_S = 2;
    static final int KEEPALIVE_INTERVAL_S = 1;
    static final int KEEPALIVE_COUNT = 2;
    static final int WRITE_HEARTBEAT_S = 2;
    static final int WRITE_IDLE_TIMEOUT_S = 6;
    /**
     * Scheduling, selector wake-ups and the `ip` commands' own time: generous, as the
     * machine may be loaded; the reason checked below tells which mechanism found the
     * cut, and a link nobody notices stays up for many minutes.
     */
    static final long SLACK_MS = 5000;
    /**
     * How long the two ends of a pair may hold different connections while one replaces
     * the other: milliseconds, but a loaded machine can stall a node's threads for over
     * a second.
     */
    static final long PAIR_TOLERANCE_MS = 5000;
    /** MINA checks idle sessions once a second. */
    static final long IDLE_CHECK_MS = 1000;

    private final Pattern pattern;
    private final Report report = new Report();
    private final List<Agent> agents = new ArrayList<>();

    private SilentLinkScenario(Pattern pattern) {
        this.pattern = pattern;
    }

    public static void main(String[] args) {
        SilentLinkScenario s = new SilentLinkScenario(Pattern.valueOf(args[0].toUpperCase()));
        try {
            s.run();
        } catch (Throwable t) {
            s.report.abort(t);
        } finally {
            s.agents.forEach(Agent::stop);
        }
        System.exit(s.report.finish());
    }

    private void check(boolean ok, String what) {
        report.check(ok, what);
    }

    private void run() throws Exception {
        report.put("pattern", pattern.name().toLowerCase());
        Blackhole.prepare();
        InetAddress ipLow = TestNet.ip(1);
        InetAddress ipHigh = TestNet.ip(2);
        NodeAddress low = NodeAddress.of(ipLow, PORT);
        NodeAddress high = NodeAddress.of(ipHigh, PORT);
        int heartbeatS = pattern == Pattern.IDLE ? 60 : WRITE_HEARTBEAT_S;
        int idleTimeoutS = pattern == Pattern.IDLE ? 60 : WRITE_IDLE_TIMEOUT_S;
        List<NodeAddress> both = List.of(low, high);
        Agent lower = agent(NodeConfig.builder(ipLow), both, heartbeatS, idleTimeoutS);
        Agent higher = agent(NodeConfig.builder(ipHigh), both, heartbeatS, idleTimeoutS);
        ConcurrentLinkedQueue<PeerEvent> atLow = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<PeerEvent> atHigh = new ConcurrentLinkedQueue<>();
        lower.onPeerEvent(atLow::add);
        higher.onPeerEvent(atHigh::add);
        AtomicInteger afterHealReceived = new AtomicInteger();
        higher.onPayload((from, topic, data) -> {
            if (topic.equals("after-heal")) {
                afterHealReceived.incrementAndGet();
            }
        });
        lower.listen();
        higher.listen();
        lower.start();
        higher.start();

        try (PairChecker checker = PairChecker.start(agents, PAIR_TOLERANCE_MS)) {
            Await.until(Duration.ofSeconds(10), () -> sameCanonicalConnection(lower, higher),
                    () -> "first connection: " + lower.pool().snapshot(high) + " / " + higher.pool().snapshot(low));
            for (Agent a : agents) {
                NodeAddress other = a == lower ? high : low;
                check(a.pool().socketOption(other, ExtendedSocketOptions.TCP_KEEPIDLE).orElseThrow() == KEEPALIVE_IDLE_S
                        && a.pool().socketOption(other, ExtendedSocketOptions.TCP_KEEPINTERVAL).orElseThrow() == KEEPALIVE_INTERVAL_S
                        && a.pool().socketOption(other, ExtendedSocketOptions.TCP_KEEPCOUNT).orElseThrow() == KEEPALIVE_COUNT,
                        "keepalive options set on " + a.address() + " to " + other);
            }
            if (pattern == Pattern.WRITE) {
                Await.until(Duration.ofSeconds(10), () -> announces(lower, high) >= 1 && announces(higher, low) >= 1,
                        "heartbeats flowing both ways before the cut");
            } else {
                // Idle means nothing in flight: each end's VIEW, sent after the handshake, has arrived and been
                // acknowledged. A frame cut off unacknowledged is retransmitted, and keepalive waits behind it.
                Await.until(Duration.ofSeconds(10), () -> messagesIn(lower, high) >= 1 && messagesIn(higher, low) >= 1
                        && unacknowledged(ipLow, ipHigh) == 0, "the link quiet before the cut");
            }
            long attemptsBefore = lower.pool().connectAttempts() + higher.pool().connectAttempts();

            // ---- cut
            atLow.clear();
            atHigh.clear();
            long cutStart = System.nanoTime();
            Blackhole.cut(NodeAddress.ipText(ipLow), NodeAddress.ipText(ipHigh));
            long cutDone = System.nanoTime();
            System.out.println("link cut in " + ms(cutDone - cutStart) + " ms:\n" + Blackhole.rules());
            List<CompletableFuture<Void>> sentDuringCut = new ArrayList<>();
            if (pattern == Pattern.WRITE) {
                sentDuringCut.add(lower.send(high, "during-cut", new byte[64 * 1024]));
                sentDuringCut.add(higher.send(low, "during-cut", new byte[64 * 1024]));
            }
            long boundMs = pattern == Pattern.IDLE
                    ? TimeUnit.SECONDS.toMillis(KEEPALIVE_IDLE_S + (long) KEEPALIVE_INTERVAL_S * KEEPALIVE_COUNT)
                    : TimeUnit.SECONDS.toMillis(idleTimeoutS) + IDLE_CHECK_MS;
            long floorMs = pattern == Pattern.IDLE
                    ? TimeUnit.SECONDS.toMillis((long) KEEPALIVE_INTERVAL_S * KEEPALIVE_COUNT) - 500
                    : TimeUnit.SECONDS.toMillis(idleTimeoutS - heartbeatS) - 500;
            long lowGone = -1;
            long highGone = -1;
            long deadline = cutStart + TimeUnit.MILLISECONDS.toNanos(boundMs + SLACK_MS + 10_000);
            while ((lowGone < 0 || highGone < 0) && System.nanoTime() < deadline) {
                if (lowGone < 0 && !lower.pool().isConnected(high)) {
                    lowGone = System.nanoTime();
                }
                if (highGone < 0 && !higher.pool().isConnected(low)) {
                    highGone = System.nanoTime();
                }
                Thread.sleep(5);
            }
            long lowMs = lowGone < 0 ? -1 : ms(lowGone - cutStart);
            long highMs = highGone < 0 ? -1 : ms(highGone - cutStart);
            String lowReason = disconnectReason(atLow);
            String highReason = disconnectReason(atHigh);
            report.put("bound_ms", boundMs);
            report.put("slack_ms", SLACK_MS);
            report.put("floor_ms", floorMs);
            report.put("detect_ms_low", lowMs);
            report.put("detect_ms_high", highMs);
            report.put("reason_low", lowReason);
            report.put("reason_high", highReason);
            System.out.printf("detected after %d ms (low) and %d ms (high); bound %d ms + %d ms slack%n", lowMs, highMs,
                    boundMs, SLACK_MS);
            String expected = pattern == Pattern.IDLE ? "I/O error" : "idle timeout";
            for (var side : List.of(List.of("low", lowMs, lowReason), List.of("high", highMs, highReason))) {
                String who = (String) side.get(0);
                long t = (Long) side.get(1);
                String reason = (String) side.get(2);
                check(t >= 0, who + " side never noticed the cut");
                check(t <= boundMs + SLACK_MS, who + " side noticed after " + t + " ms, bound " + boundMs + " + "
                        + SLACK_MS + " ms");
                check(t < 0 || t - ms(cutDone - cutStart) >= floorMs, who + " side noticed after only " + t
                        + " ms: not silent (floor " + floorMs + " ms)");
                check(reason.startsWith(expected), who + " side's reason '" + reason + "' should start with '"
                        + expected + "'");
            }
            for (int i = 0; i < sentDuringCut.size(); i++) {
                CompletableFuture<Void> f = sentDuringCut.get(i);
                String outcome = !f.isDone() ? "pending" : f.isCompletedExceptionally() ? "failed" : "written";
                report.put("send_during_cut_" + (i == 0 ? "low" : "high"), outcome);
                check(f.isDone(), "a send made during the cut is settled once the connection is closed");
            }

            // ---- both keep trying while it is cut (the higher one by reverse dial), and none gets through
            Await.until(Duration.ofSeconds(10), () -> lower.pool().connectAttempts() >= 3
                            && higher.pool().connectAttempts() >= 1,
                    () -> "dials during the cut: low " + lower.pool().connectAttempts() + ", high "
                            + higher.pool().connectAttempts());
            check(!lower.pool().isConnected(high) && !higher.pool().isConnected(low), "no connection while cut");
            report.put("dials_during_cut", lower.pool().connectAttempts() + higher.pool().connectAttempts()
                    - attemptsBefore);

            // ---- heal
            long healStart = System.nanoTime();
            Blackhole.heal(NodeAddress.ipText(ipLow), NodeAddress.ipText(ipHigh));
            Await.until(Duration.ofSeconds(10), () -> sameCanonicalConnection(lower, higher),
                    () -> "after healing: " + lower.pool().snapshot(high) + " / " + higher.pool().snapshot(low));
            long reconnectMs = ms(System.nanoTime() - healStart);
            report.put("reconnect_ms", reconnectMs);
            System.out.println("reconnected " + reconnectMs + " ms after healing");
            lower.send(high, "after-heal", new byte[16]).get(15, TimeUnit.SECONDS);
            Await.until(Duration.ofSeconds(15), () -> afterHealReceived.get() == 1, "a payload crosses the healed link");

            checker.close();
            report.put("checker", checker.summary());
            check(checker.problems().isEmpty(), "pair checker: " + checker.problems());
            check(checker.reads() > 100, "the checker read the pools (" + checker.reads() + " passes)");
            check(lower.pool().connectionCount() == 1 && higher.pool().connectionCount() == 1,
                    "exactly one connection on each side");

            // ---- the kernel agrees: one TCP connection between the two, both ends ESTABLISHED
            List<ProcNetTcp.Socket> sockets = ProcNetTcp.establishedBetween(List.of(ipLow, ipHigh), PORT);
            report.put("established_sockets", sockets.size());
            PeerSnapshot s = lower.pool().snapshot(high).orElseThrow();
            check(sockets.size() == 2, "the kernel shows one connection (two ends), not " + sockets);
            check(sockets.stream().anyMatch(k -> k.local().toString().equals(s.localSocket())),
                    "the kernel's connection is the pool's: " + s.localSocket() + " in " + sockets);
        }
    }

    private Agent agent(NodeConfig.Builder b, List<NodeAddress> peers, int heartbeatS, int idleTimeoutS) {
        NodeConfig cfg = b.port(PORT).peers(peers).reconnectMinMs(100).reconnectMaxMs(1000).handshakeTimeoutMs(2000)
                .keepaliveIdleS(KEEPALIVE_IDLE_S).keepaliveIntervalS(KEEPALIVE_INTERVAL_S).keepaliveCount(KEEPALIVE_COUNT)
                .heartbeatIntervalS(heartbeatS).idleTimeoutS(idleTimeoutS).reverseDialAfterS(1).build();
        Agent a = Agent.builder(cfg).ioThreads(1).mbeanServer(null).build();
        agents.add(a);
        return a;
    }

    /** Both ends list each other on one socket pair, dialed by the lower address. */
    private static boolean sameCanonicalConnection(Agent lower, Agent higher) {
        var l = lower.pool().snapshot(higher.address());
        var h = higher.pool().snapshot(lower.address());
        return l.isPresent() && h.isPresent() && l.get().connectionId() != 0 && h.get().connectionId() != 0
                && l.get().direction() == Direction.OUTBOUND && !l.get().reverse()
                && h.get().direction() == Direction.INBOUND && !h.get().reverse()
                && l.get().localSocket().equals(h.get().remoteSocket());
    }

    private static long messagesIn(Agent a, NodeAddress peer) {
        return a.pool().snapshot(peer).map(PeerSnapshot::messagesIn).orElse(-1L);
    }

    /** Bytes written on the pair's sockets and not yet acknowledged, by the kernel's count. */
    private static long unacknowledged(InetAddress a, InetAddress b) {
        try {
            return ProcNetTcp.establishedBetween(List.of(a, b), PORT).stream().mapToLong(ProcNetTcp.Socket::txQueue).sum();
        } catch (java.io.IOException e) {
            return -1;
        }
    }

    private static long announces(Agent a, NodeAddress peer) {
        return a.pool().snapshot(peer).map(PeerSnapshot::lastAnnounceSequence).orElse(-1L);
    }

    private static String disconnectReason(ConcurrentLinkedQueue<PeerEvent> events) {
        return events.stream().filter(e -> e.kind() == PeerEvent.Kind.DISCONNECTED).map(PeerEvent::reason)
                .findFirst().orElse("");
    }

    private static long ms(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }
}
