package org.peerpool.tls;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import javax.management.MBeanServerConnection;
import javax.management.remote.JMXConnector;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.peerpool.jmx.JmxNames;
import org.peerpool.testing.Await;
import org.peerpool.testing.Ini;
import org.peerpool.testing.KernelPairWatch;
import org.peerpool.testing.Keys;
import org.peerpool.testing.NodeProcess;
import org.peerpool.testing.TestNet;
import org.peerpool.testing.TlsNodes;
import org.peerpool.wire.NodeAddress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 17: the live TLS rollout of PROTOCOL.md 7 on four node <em>processes</em>, as
 * operators run it: {@code off -> optional -> pins -> required}, one saved INI edit per
 * node per step, the next node saved once the mesh is whole again. Throughout, the
 * kernel's socket table (not any pool) is read every 20 ms, and a pair of nodes with two
 * ESTABLISHED connections at once, for however short a time, fails the run: a re-judge
 * must close the old socket before it dials the new one. {@code -Drollout.runs=N} runs
 * the whole rollout N times, each on fresh processes (2 by default; the figure
 * is 20).
 */
@Timeout(value = 40, unit = TimeUnit.MINUTES)
class TlsRolloutIT {

    private static final Path JAR = Path.of("target", "peerpool.jar");
    private static final int N = 4;
    private static final int RUNS = Integer.getInteger("rollout.runs", 2);
    private static final Duration WHOLE_WITHIN = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private final List<NodeProcess> processes = new ArrayList<>();
    private final List<JMXConnector> jmx = new ArrayList<>();
    private List<NodeAddress> addresses;

    @BeforeAll
    static void keys() {
        Keys.prepare("n1", "n2", "n3", "n4");
    }

    @AfterEach
    void stopAll() throws Exception {
        for (JMXConnector c : jmx) {
            try {
                c.close();
            } catch (IOException ignored) {
                // the node is going anyway
            }
        }
        jmx.clear();
        for (NodeProcess p : processes) {
            if (p.isAlive()) {
                p.kill();
            }
        }
        processes.clear();
    }

    @Test
    void fourProcessesNeverHoldTwoConnectionsForAPairThroughTheRollout() throws Exception {
        long reads = 0;
        for (int run = 1; run <= RUNS; run++) {
            long t0 = System.nanoTime();
            reads += rollout(run);
            System.out.printf("TlsRolloutIT run %d/%d: no pair ever had two connections (%d ms)%n",
                    run, RUNS, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
            stopAll();
        }
        System.out.printf("TlsRolloutIT: %d runs, %d reads of the kernel's socket table, never two connections for a pair%n",
                RUNS, reads);
    }

    /** One whole rollout on four fresh processes; returns how often the kernel's table was read. */
    private long rollout(int run) throws Exception {
        int port = TestNet.freePort(N);
        addresses = new ArrayList<>();
        for (int i = 1; i <= N; i++) {
            addresses.add(TestNet.address(i, port));
        }
        Path runDir = Files.createDirectories(dir.resolve("run" + run));
        for (int i = 1; i <= N; i++) {
            Files.createDirectories(nodeDir(runDir, i));
            Keys.get("n" + i).copyTo(nodeDir(runDir, i).resolve(TlsNodes.KEYSTORE));
            Ini.writeInPlace(ini(runDir, i), text(i, null, false));
        }
        List<InetAddress> ips = addresses.stream().map(NodeAddress::ip).toList();
        try (KernelPairWatch kernel = KernelPairWatch.start(ips, port, 0)) {
            for (int i = 1; i <= N; i++) {
                processes.add(NodeProcess.start(List.of("-jar", JAR.toString()), ini(runDir, i), runDir, "node" + i));
            }
            for (NodeProcess p : processes) {
                p.awaitListening(Duration.ofSeconds(60));
                jmx.add(p.jmx());
            }
            awaitWhole("plaintext", run, "start");
            String[][] steps = {{"optional", "no pins"}, {"optional", "pins"}, {"required", "pins"}};
            for (String[] step : steps) {
                boolean pins = step[1].equals("pins");
                for (int k = 1; k <= N; k++) {
                    long before = reloads(k);
                    Ini.writeInPlace(ini(runDir, k), text(k, step[0], pins));
                    int node = k;
                    Await.until(WHOLE_WITHIN, () -> reloads(node) > before,
                            () -> "run " + run + ": node " + node + " did not apply " + step[0] + "/" + step[1]
                                    + ":\n" + processes.get(node - 1).tail());
                    awaitWhole(null, run, step[0] + "/" + step[1] + " saved on node " + k);
                    assertTrue(kernel.problems().isEmpty(), "run " + run + ", " + step[0] + "/" + step[1]
                            + " on node " + k + ": " + kernel.problems());
                }
                awaitWhole(pins ? "TLSv1.3" : "plaintext", run, step[0] + "/" + step[1] + " on every node");
            }
            Map<String, Integer> perPair = KernelPairWatch.connectionsPerPair(ips, port);
            assertEquals(N * (N - 1) / 2, perPair.size(), "run " + run + ": every pair has a TCP connection: " + perPair);
            assertTrue(kernel.problems().isEmpty(), "run " + run + ": " + kernel.problems());
            assertTrue(kernel.reads() > 0, "the kernel's table was never read");
            return kernel.reads();
        }
    }

    /** Node i's INI: {@code mode} null means no [tls] section; every other node listed, pinned or not. */
    private String text(int i, String mode, boolean pins) {
        TlsNodes.Text t = new TlsNodes.Text(addresses.get(i - 1));
        for (int j = 1; j <= N; j++) {
            if (j != i) {
                if (pins) {
                    t.peer(addresses.get(j - 1), Keys.get("n" + j).pin());
                } else {
                    t.peer(addresses.get(j - 1));
                }
            }
        }
        return (mode == null ? t : t.tls(mode)).toString();
    }

    /**
     * Waits until every node holds a connection to every other, each with a Security
     * starting with {@code security} when that is not null.
     */
    private void awaitWhole(String security, int run, String when) {
        String[] last = {""};
        Await.until(WHOLE_WITHIN, () -> whole(security, last),
                () -> "run " + run + ", " + when + ": mesh not whole: " + last[0]);
    }

    private boolean whole(String security, String[] last) {
        try {
            for (int i = 1; i <= N; i++) {
                MBeanServerConnection c = jmx.get(i - 1).getMBeanServerConnection();
                NodeAddress self = addresses.get(i - 1);
                List<String> connected = List.of((String[]) c.getAttribute(JmxNames.pool(self), "ConnectedPeers"));
                if (connected.size() != N - 1) {
                    last[0] = "node " + i + " is connected to " + connected;
                    return false;
                }
                if (security != null) {
                    for (NodeAddress peer : addresses) {
                        if (!peer.equals(self)) {
                            String s = (String) c.getAttribute(JmxNames.peer(self, peer), "Security");
                            if (!s.startsWith(security)) {
                                last[0] = "node " + i + " with " + peer + ": Security '" + s + "'";
                                return false;
                            }
                        }
                    }
                }
            }
            return true;
        } catch (Exception e) {
            last[0] = "cannot read a node over JMX: " + e;
            return false;
        }
    }

    private long reloads(int i) {
        try {
            return (Long) jmx.get(i - 1).getMBeanServerConnection()
                    .getAttribute(JmxNames.config(addresses.get(i - 1)), "ReloadCount");
        } catch (Exception e) {
            throw new IllegalStateException("cannot read node " + i + "'s Config bean", e);
        }
    }

    private static Path nodeDir(Path runDir, int i) {
        return runDir.resolve("node" + i);
    }

    private static Path ini(Path runDir, int i) {
        return nodeDir(runDir, i).resolve("peerpool.ini");
    }
}
