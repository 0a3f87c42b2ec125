package org.peerpool.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.peerpool.config.ConfigKey;
import org.peerpool.testing.Ini;
import org.peerpool.testing.Swarm;
import org.peerpool.testing.SwarmKeys;
import org.peerpool.wire.NodeAddress;

/**
 * Issue 20: one node process started with bin/peerpool's JVM flags, its INI listing
 * 1,000 peers played by a {@link Swarm} in this JVM ({@code [tls] mode = required}, every
 * peer pinned; each peer dials the node, which sits above them in address order), started as bin/peerpool starts it. Measured: launch to every peer
 * accepted; idle CPU of the node over a quiet spell; its heap after a full GC; {@code
 * bin/peerpool peers} against it; and after SIGKILL, relaunch to every peer accepted
 * again. The swarm shares this machine's two cores with the node.
 */
final class SwarmNode {

    private static final int SUBNET = 160;
    private static final long TIMEOUT_MS = 120_000;
    private static final Pattern HISTOGRAM_TOTAL = Pattern.compile("(?m)^Total\\s+\\d+\\s+(\\d+)");

    private SwarmNode() {
    }

    static void run(Settings s, Results r) throws Exception {
        int n = s.swarmPeers();
        Path basedir = Path.of("").toAbsolutePath();
        Path dir = Files.createDirectories(s.out().resolve("swarm"));
        Path runDir = Files.createDirectories(dir.resolve("run"));
        ProcessMesh.ProcessSetup setup = ProcessMesh.ProcessSetup.of(basedir, s.out());
        InetAddress ip = BenchNet.ip(SUBNET, 1);
        int port = BenchNet.freePort(List.of(ip));
        NodeAddress node = NodeAddress.of(ip, port);
        StringBuilder ini = new StringBuilder("[network]\nlocal_ip = " + ip.getHostAddress() + "\nport = " + port + "\n");
        // TLS required, every peer pinned to a key of its own.
        BenchKeys.Key nodeKey = BenchKeys.make(dir, "swarm-node");
        SwarmKeys keys = SwarmKeys.generate(n);
        for (int i = 0; i < n; i++) {
            ini.append("peer = ").append(Swarm.ip(i).getHostAddress()).append(':').append(port).append(' ')
                    .append(keys.pin(i)).append('\n');
        }
        ini.append("[connection]\nreverse_dial_after_s = 0\n")
                .append("[tls]\nmode = required\nkeystore = ").append(nodeKey.file().toAbsolutePath())
                .append("\nkeystore_password = ").append(nodeKey.password()).append('\n');
        Ini.writeOwnerOnly(dir.resolve("peerpool.ini"), ini.toString()); // it holds keystore_password
        Files.copy(setup.log4jXml(), dir.resolve("log4j2.xml"), StandardCopyOption.REPLACE_EXISTING);
        // The class-data-sharing archive bin/peerpool maps from a node's second start on.
        if (!Files.isRegularFile(setup.archive())) {
            setup.recordArchive(dir.resolve("archive"));
        }
        List<String> cmd = new ArrayList<>(List.of(setup.java()));
        cmd.addAll(setup.binFlags());
        cmd.add("-XX:SharedArchiveFile=" + setup.archive());
        cmd.add("-Xlog:cds*=off");
        cmd.add("-Dpeerpool.pidfile=" + runDir.resolve("peerpool.pid"));
        // -Dbench.nodeJvm="-XX:StartFlightRecording=..." profiles the node, or tries other JVM flags.
        for (String f : System.getProperty("bench.nodeJvm", "").trim().split("\\s+")) {
            if (!f.isEmpty()) {
                cmd.add(f);
            }
        }
        // As bin/peerpool starts it, so that bin/peerpool peers recognises the node by its command line.
        cmd.addAll(List.of("-cp", setup.jar().toString(), "org.peerpool.cli.Main", dir.resolve("peerpool.ini").toString()));

        Map<String, Object> d = new LinkedHashMap<>();
        try (Swarm swarm = Swarm.start(node, n, port, 2, 30_000, 0,
                i -> keys.context(i, TlsClient.serverTrust(nodeKey.pin())))) {
            long self = ProcessHandle.current().pid();
            long swarmCpu0 = ProcCpu.processNanos(self);
            long t0 = System.nanoTime();
            Process p = launch(cmd, dir, "node-1.log");
            try {
                double launchMs = awaitAll(swarm, n, t0, p);
                long pid = p.pid();
                // Where the launch's time goes: the CPU both sides spent on it, against the two cores' wall time.
                d.put("launchNodeCpuMs", ProcCpu.processNanos(pid) / 1e6);
                d.put("launchSwarmCpuMs", (ProcCpu.processNanos(self) - swarmCpu0) / 1e6);
                d.put("launchLostBeforeAccepted", swarm.lostBeforeAccepted());
                // PROTOCOL.md section 3: a set that changed is sent again at the end of each link's
                // heartbeat interval, so for one interval after the burst every link sends a 1,000-address
                // VIEW. That wave is measured apart; idle is what follows it.
                long wave0 = ProcCpu.processNanos(pid);
                long waveW0 = System.nanoTime();
                // The INI leaves heartbeat_interval_s at its default.
                Heap.sleep(TimeUnit.SECONDS.toMillis(ConfigKey.HEARTBEAT_INTERVAL_S.defaultValue()) + 3000);
                double wavePct = 100.0 * (ProcCpu.processNanos(pid) - wave0) / (System.nanoTime() - waveW0);
                d.put("cpuPercentOfCoreOverTheViewWave", wavePct);
                int idleSeconds = Math.max(5, s.processIdleSeconds());
                long cpu0 = ProcCpu.processNanos(pid);
                long w0 = System.nanoTime();
                Heap.sleep(idleSeconds * 1000L);
                double idlePct = 100.0 * (ProcCpu.processNanos(pid) - cpu0) / (System.nanoTime() - w0);
                double heapMiB = Heap.mib(heapAfterGc(setup, pid, dir));
                double peersMs = peersCommand(basedir, runDir, n, d);
                List<Integer> once = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    once.add(swarm.connectionsOf(i));
                }
                if (once.stream().anyMatch(c -> c != 1)) {
                    throw new IllegalStateException("a peer connected more than once before the restart: " + once);
                }
                p.destroyForcibly();
                p.waitFor(30, TimeUnit.SECONDS);
                long swarmCpu1 = ProcCpu.processNanos(self);
                long t1 = System.nanoTime();
                p = launch(cmd, dir, "node-2.log");
                long lostBefore = swarm.lostBeforeAccepted();
                double restartMs = awaitAll(swarm, n, t1, p);
                d.put("restartNodeCpuMs", ProcCpu.processNanos(p.pid()) / 1e6);
                d.put("restartSwarmCpuMs", (ProcCpu.processNanos(self) - swarmCpu1) / 1e6);
                d.put("restartLostBeforeAccepted", swarm.lostBeforeAccepted() - lostBefore);
                // Scraped as an operator's Prometheus would: relaunched with the exporter agent that
                // bin/peerpool adds for PEERPOOL_METRICS_PORT (apart, so its start-up is in no figure above).
                p.destroyForcibly();
                p.waitFor(30, TimeUnit.SECONDS);
                int metricsPort = BenchNet.freePort(List.of(InetAddress.getLoopbackAddress()));
                List<String> withAgent = new ArrayList<>(cmd);
                withAgent.add(1, MetricsScrape.agentFlag(basedir, metricsPort));
                p = launch(withAgent, dir, "node-3.log");
                awaitAll(swarm, n, System.nanoTime(), p);
                MetricsScrape.Result scrape = MetricsScrape.run(metricsPort, p.pid(), 5, dir.resolve("metrics.txt"));
                if (scrape.peersConnected() != n) {
                    throw new IllegalStateException("a scrape shows " + scrape.peersConnected() + " of " + n
                            + " peers connected");
                }
                d.put("scrapeWallMs", scrape.wallMs());
                d.put("scrapeNodeCpuMs", scrape.nodeCpuMs());
                d.put("scrapeSeries", scrape.series());
                d.put("scrapeBytes", scrape.bytes());
                d.put("peers", n);
                d.put("launchToAllMs", launchMs);
                d.put("restartToAllMs", restartMs);
                d.put("idleSeconds", idleSeconds);
                d.put("idleCpuPercentOfCore", idlePct);
                d.put("heapAfterGcMiB", heapMiB);
                d.put("framesFromNode", swarm.framesIn());
                String method = "One node process (java, bin/peerpool's JVM flags and class-data-sharing archive, "
                        + "org.peerpool.cli.Main from target/peerpool.jar) on "
                        + ip.getHostAddress() + " listing " + n + " peers; a Swarm in the bench JVM plays them (127.0.10.1 "
                        + "up, TLS 1.3, [tls] mode = required with every peer pinned, each swarm peer with an EC "
                        + "P-256 key of its own; each dialing the node, redialing 100-500 ms after a refusal, ANNOUNCE every 30 s "
                        + "spread over the interval; 2 I/O threads). The swarm dials from before the launch. All peers "
                        + "accepted = each got HANDSHAKE_ACK(accepted=1).";
                r.add(new Results.Row(n + " peers: launch to all connected", launchMs, "ms",
                        String.format("%.0f ms", launchMs), null, "-", "< 3000 ms", launchMs < 3000, method, d));
                r.add(new Results.Row(n + " peers: SIGKILL, relaunch to all connected", restartMs, "ms",
                        String.format("%.0f ms", restartMs), null, "-", "< 3000 ms", restartMs < 3000, "as above",
                        Map.of()));
                r.add(new Results.Row(n + " peers: idle CPU of the node", idlePct, "% of a core",
                        String.format("%.2f %% of a core over %d s", idlePct, idleSeconds), null, "-", "< 1 %",
                        idlePct < 1, "as above; /proc/PID/stat utime+stime over the quiet spell, 3 s after all connected",
                        Map.of()));
                r.add(new Results.Row(n + " peers: node heap after GC", heapMiB, "MiB",
                        String.format("%.1f MiB", heapMiB), null, "-", "< 32 MiB", heapMiB < 32,
                        "as above; live bytes from jcmd PID GC.class_histogram (a full GC first)", Map.of()));
                r.add(new Results.Row(n + " peers: a Prometheus scrape", scrape.wallMs(), "ms",
                        String.format("%.0f ms, %.0f ms of node CPU; %d series, %d KiB", scrape.wallMs(),
                                scrape.nodeCpuMs(), scrape.series(), scrape.bytes() / 1024), null, "-", "-", null,
                        "as above, the node started with the JMX exporter agent as bin/peerpool starts it for "
                                + "PEERPOOL_METRICS_PORT (etc/metrics.yaml); GET /metrics, median of 5 after one "
                                + "untimed; node CPU from /proc/PID/stat; every peer's peerpool_peer_connected is 1",
                        Map.of()));
                r.add(new Results.Row(n + " peers: bin/peerpool peers", peersMs, "ms",
                        String.format("%.0f ms (its own JVM start included)", peersMs), null, "-", "< 1000 ms",
                        peersMs < 1000, "as above; wall time of bin/peerpool peers (local attach), median of 3",
                        Map.of()));
            } finally {
                p.destroyForcibly();
                p.waitFor(30, TimeUnit.SECONDS);
            }
        }
    }

    private static Process launch(List<String> cmd, Path dir, String log) throws IOException {
        return new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve(log).toFile()).start();
    }

    /** Ms from {@code t0} until every swarm peer is accepted. */
    private static double awaitAll(Swarm swarm, int n, long t0, Process p) {
        long deadline = t0 + TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MS);
        while (swarm.connected() < n) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException("only " + swarm.connected() + " of " + n + " peers connected"
                        + (p.isAlive() ? "" : ": the node exited " + p.exitValue()) + "; refusals " + swarm.refusals());
            }
            Heap.sleep(5);
        }
        return (System.nanoTime() - t0) / 1e6;
    }

    private static long heapAfterGc(ProcessMesh.ProcessSetup setup, long pid, Path dir) throws Exception {
        Path jcmd = Path.of(setup.java()).resolveSibling("jcmd");
        Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid), "GC.class_histogram").redirectErrorStream(true)
                .redirectOutput(dir.resolve("histogram.txt").toFile()).start();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("jcmd GC.class_histogram failed: " + Files.readString(dir.resolve("histogram.txt")));
        }
        Matcher m = HISTOGRAM_TOTAL.matcher(Files.readString(dir.resolve("histogram.txt")));
        if (!m.find()) {
            throw new IllegalStateException("no Total line in the class histogram");
        }
        return Long.parseLong(m.group(1));
    }

    /** Median wall ms of three {@code bin/peerpool peers}; each must list every peer. */
    private static double peersCommand(Path basedir, Path runDir, int n, Map<String, Object> d) throws Exception {
        List<Double> ms = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ProcessBuilder pb = new ProcessBuilder(basedir.resolve("bin/peerpool").toString(), "peers")
                    .redirectErrorStream(true);
            pb.environment().put("PEERPOOL_RUN", runDir.toString());
            pb.environment().put("PEERPOOL_CONF", runDir.getParent().toString());
            long t0 = System.nanoTime();
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(60, TimeUnit.SECONDS);
            ms.add((System.nanoTime() - t0) / 1e6);
            long lines = out.lines().filter(l -> l.contains("127.0.1") && l.contains("CONNECTED")).count();
            if (p.exitValue() != 0 || lines != n) {
                throw new IllegalStateException("bin/peerpool peers exited " + p.exitValue() + " listing " + lines
                        + " connected peers: " + out.lines().limit(5).toList());
            }
        }
        d.put("peersCommandMs", ms);
        return ms.stream().sorted().toList().get(1);
    }
}
