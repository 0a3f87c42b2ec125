package org.peerpool.bench;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * One launch of the processes figure: N node processes started at once on
 * 127.77.9.1..N, one of three kinds (peerpool as {@code java -Xmx128m -jar}, peerpool
 * with bin/peerpool's JVM flags, JGroups with the same flags as the first), watched
 * through the kernel's socket table until the mesh is whole and has held for
 * {@link #HOLD_MS}; then, once every process has logged that it started, each
 * process's CPU and RSS, then an idle window.
 */
final class ProcessMesh {

    /** What runs in each process. */
    enum Kind { PEERPOOL, JGROUPS, PEERPOOL_BIN }

    /** What one launch measured; times in ms from the launch, -1 where the mesh never held. */
    record Sample(Kind kind, int n, double wholeMs, int connectionsOpened, int mostForOnePair,
                  double cpuPerNodeMs, double cpuMaxMs, double rssPerNodeMiB, double idleCpuPerNodeMsPerS,
                  int idleNewConnections, int idleInfoLines, double listenMedianMs, double listenMaxMs) {
    }

    static final long HOLD_MS = 2000;
    private static final long TIMEOUT_MS = 90_000;
    private static final int SUBNET = 9;

    private ProcessMesh() {
    }

    /** Launches one mesh of {@code n} processes of {@code kind}, measures it and stops it. */
    static Sample launch(Kind kind, int n, Path dir, ProcessSetup setup, int idleSeconds) throws Exception {
        List<InetAddress> ips = BenchNet.ips(SUBNET, n);
        int port = BenchNet.freePort(ips);
        Files.createDirectories(dir);
        List<List<String>> commands = new ArrayList<>();
        List<Path> dirs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Path d = Files.createDirectories(dir.resolve("node" + (i + 1)));
            dirs.add(d);
            commands.add(kind == Kind.JGROUPS ? setup.jgroups(ips, i, port, d) : setup.peerpool(kind, ips, i, port, d));
        }
        List<Process> procs = new ArrayList<>();
        long t0 = System.nanoTime();
        try (SocketTableWatch watch = SocketTableWatch.start(ips, port, t0)) {
            for (int i = 0; i < n; i++) {
                procs.add(new ProcessBuilder(commands.get(i)).directory(dirs.get(i).toFile())
                        .redirectOutput(dirs.get(i).resolve("stdout.log").toFile())
                        .redirectError(dirs.get(i).resolve("stderr.log").toFile()).start());
            }
            long deadline = t0 + TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MS);
            long since;
            while ((since = watch.wholeSinceNanos()) < 0 || System.nanoTime() - t0 - since < TimeUnit.MILLISECONDS.toNanos(HOLD_MS)) {
                if (System.nanoTime() > deadline) {
                    break;
                }
                for (Process p : procs) {
                    if (!p.isAlive()) {
                        throw new IllegalStateException(kind + " N=" + n + ": a process exited with " + p.exitValue()
                                + "; see " + dir);
                    }
                }
                Heap.sleep(SocketTableWatch.PERIOD_MS);
            }
            double wholeMs = since < 0 ? -1 : since / 1e6;
            // A node may join the mesh before it has finished starting (peerpool exposes JMX after its first
            // dials): the CPU, RSS and idle figures start once every process has said it started.
            String started = kind == Kind.JGROUPS ? "STARTED" : "Started";
            for (Path d : dirs) {
                while (!Files.readString(d.resolve("stdout.log")).contains(started) && System.nanoTime() < deadline) {
                    Heap.sleep(SocketTableWatch.PERIOD_MS);
                }
            }
            long[] cpu0 = new long[n];
            double rss = 0;
            long cpuMax = 0;
            long cpuSum = 0;
            for (int i = 0; i < n; i++) {
                cpu0[i] = ProcCpu.processNanos(procs.get(i).pid());
                cpuSum += cpu0[i];
                cpuMax = Math.max(cpuMax, cpu0[i]);
                rss += rssKiB(procs.get(i).pid()) / 1024.0;
            }
            int opened = watch.connectionsOpened();
            int most = watch.mostForOnePair();
            long[] logSize = new long[n];
            for (int i = 0; i < n; i++) {
                logSize[i] = Files.size(dirs.get(i).resolve("stdout.log"));
            }
            long w0 = System.nanoTime();
            Heap.sleep(TimeUnit.SECONDS.toMillis(idleSeconds));
            long idleCpu = 0;
            int info = 0;
            for (int i = 0; i < n; i++) {
                idleCpu += ProcCpu.processNanos(procs.get(i).pid()) - cpu0[i];
                info += infoLinesFrom(dirs.get(i).resolve("stdout.log"), logSize[i]);
            }
            double idleS = (System.nanoTime() - w0) / 1e9;
            int idleNew = watch.connectionsOpened() - opened;
            double[] listen = watch.listeningAt().values().stream().mapToDouble(v -> v / 1e6).sorted().toArray();
            return new Sample(kind, n, wholeMs, opened, most, cpuSum / 1e6 / n, cpuMax / 1e6, rss / n,
                    idleCpu / 1e6 / n / idleS, idleNew, info, listen.length == 0 ? -1 : Stats.median(listen),
                    listen.length == 0 ? -1 : listen[listen.length - 1]);
        } finally {
            stop(procs);
        }
    }

    private static void stop(List<Process> procs) throws InterruptedException {
        for (Process p : procs) {
            p.destroy();
        }
        for (Process p : procs) {
            if (!p.waitFor(15, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
            }
        }
    }

    private static long rssKiB(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return 0;
    }

    private static int infoLinesFrom(Path log, long offset) throws IOException {
        byte[] all = Files.readAllBytes(log);
        String text = new String(all, (int) Math.min(offset, all.length), (int) Math.max(0, all.length - offset),
                StandardCharsets.UTF_8);
        return (int) text.lines().filter(l -> l.contains(" INFO ")).count();
    }

    /**
     * The command lines of the three kinds. peerpool gets {@code etc/log4j2.xml} beside
     * its {@code peerpool.ini}, as an operator's node has; with bin/peerpool's flags it
     * also maps a class-data-sharing archive made once by {@link #recordArchive}.
     */
    record ProcessSetup(String java, Path jar, Path log4jXml, List<String> binFlags, Path archive, String jgroupsClassPath) {

        static ProcessSetup of(Path basedir, Path out) throws IOException, InterruptedException {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            String cp = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                    .filter(e -> e.contains("jgroups") || e.endsWith("test-classes")).collect(Collectors.joining(File.pathSeparator));
            return new ProcessSetup(java, basedir.resolve("target/peerpool.jar"), basedir.resolve("etc/log4j2.xml"),
                    binFlags(basedir), out.resolve("peerpool-bench.jsa"), cp);
        }

        /** PEERPOOL_JVM_OPTS as etc/peerpool-env.sh sets it by default. */
        private static List<String> binFlags(Path basedir) throws IOException, InterruptedException {
            Process p = new ProcessBuilder("sh", "-c", "unset PEERPOOL_JVM_OPTS; . \"$1\"; printf '%s' \"$PEERPOOL_JVM_OPTS\"",
                    "sh", basedir.resolve("etc/peerpool-env.sh").toString()).redirectErrorStream(true).start();
            String opts = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            p.waitFor();
            return Arrays.stream(opts.split("\\s+")).filter(s -> !s.isEmpty()).toList();
        }

        List<String> peerpool(Kind kind, List<InetAddress> ips, int i, int port, Path dir) throws IOException {
            writeNode(ips, i, port, dir);
            List<String> flags = new ArrayList<>();
            if (kind == Kind.PEERPOOL_BIN) {
                flags.addAll(binFlags);
                flags.add("-XX:SharedArchiveFile=" + archive);
                flags.add("-Xlog:cds*=off");
            } else {
                flags.add("-Xmx128m");
            }
            return command(flags);
        }

        private List<String> command(List<String> flags) {
            List<String> cmd = new ArrayList<>(List.of(java));
            cmd.addAll(flags);
            cmd.addAll(List.of("-jar", jar.toString(), "peerpool.ini"));
            return cmd;
        }

        /** Node {@code i}'s peerpool.ini (production defaults but the addresses) and log4j2.xml in {@code dir}. */
        private void writeNode(List<InetAddress> ips, int i, int port, Path dir) throws IOException {
            StringBuilder ini = new StringBuilder("[network]\nlocal_ip = " + ips.get(i).getHostAddress() + "\nport = " + port + "\n");
            for (int j = 0; j < ips.size(); j++) {
                if (j != i) {
                    ini.append("peer = ").append(ips.get(j).getHostAddress()).append('\n');
                }
            }
            Files.writeString(dir.resolve("peerpool.ini"), ini, StandardCharsets.UTF_8);
            Files.copy(log4jXml, dir.resolve("log4j2.xml"), StandardCopyOption.REPLACE_EXISTING);
        }

        List<String> jgroups(List<InetAddress> ips, int i, int port, Path dir) {
            String hosts = ips.stream().map(a -> a.getHostAddress() + "[" + port + "]").collect(Collectors.joining(","));
            return List.of(java, "-Xmx128m", "-cp", jgroupsClassPath, "org.peerpool.bench.jgroups.JGroupsNode",
                    ips.get(i).getHostAddress(), String.valueOf(port), hosts, dir.toString());
        }

        /**
         * Makes the archive bin/peerpool would have after a node's first run: one node
         * started with the same flags and {@code -XX:ArchiveClassesAtExit}, stopped once it
         * has started.
         */
        void recordArchive(Path dir) throws Exception {
            Files.deleteIfExists(archive);
            List<InetAddress> ips = BenchNet.ips(SUBNET, 2);
            int port = BenchNet.freePort(ips);
            Files.createDirectories(dir);
            writeNode(ips, 0, port, dir);
            List<String> flags = new ArrayList<>(binFlags);
            flags.add("-XX:ArchiveClassesAtExit=" + archive);
            flags.add("-Xlog:cds*=off");
            List<String> cmd = command(flags);
            Path log = dir.resolve("stdout.log");
            Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!Files.readString(log).contains("Started")) {
                if (!p.isAlive() || System.nanoTime() > deadline) {
                    p.destroyForcibly();
                    throw new IllegalStateException("archive run did not start: " + Files.readString(log));
                }
                Heap.sleep(20);
            }
            Heap.sleep(1000);
            p.destroy();
            p.waitFor(30, TimeUnit.SECONDS);
            if (!Files.isRegularFile(archive)) {
                throw new IllegalStateException("no archive written to " + archive);
            }
        }
    }

    /** The sample's figures as a map, for results.json. */
    static Map<String, Object> details(Sample s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kind", s.kind().toString());
        m.put("wholeMs", Stats.round(s.wholeMs()));
        m.put("connectionsOpened", s.connectionsOpened());
        m.put("mostForOnePair", s.mostForOnePair());
        m.put("cpuPerNodeMs", Stats.round(s.cpuPerNodeMs()));
        m.put("cpuMaxMs", Stats.round(s.cpuMaxMs()));
        m.put("rssPerNodeMiB", Stats.round(s.rssPerNodeMiB()));
        m.put("idleCpuPerNodeMsPerS", Stats.round(s.idleCpuPerNodeMsPerS()));
        m.put("idleNewConnections", s.idleNewConnections());
        m.put("idleInfoLines", s.idleInfoLines());
        m.put("listenMedianMs", Stats.round(s.listenMedianMs()));
        m.put("listenMaxMs", Stats.round(s.listenMaxMs()));
        return m;
    }
}
