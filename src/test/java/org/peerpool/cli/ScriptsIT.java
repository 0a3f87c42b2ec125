package org.peerpool.cli;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.peerpool.Agent;
import org.peerpool.PeerEvent;
import org.peerpool.config.NodeConfig;
import org.peerpool.testing.Await;
import org.peerpool.testing.TestNet;
import org.peerpool.wire.NodeAddress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The operator kit driven as an operator would: the real scripts in bin/ as
 * processes, against the packaged build (DESIGN.md A4, issue 5).
 */
@Timeout(180)
class ScriptsIT {

    private static final Path HOME = Path.of("").toAbsolutePath();

    @TempDir
    Path tmp;

    private final List<Runnable> cleanups = new ArrayList<>();

    @AfterEach
    void cleanUp() {
        cleanups.forEach(Runnable::run);
    }

    record Result(int exit, String out, String err) {
        String all() {
            return out + err;
        }
    }

    private Result run(Map<String, String> env, Path home, String... command) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(command));
        cmd.set(0, home.resolve(cmd.get(0)).toString());
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(tmp.toFile());
        // CI runs as root, which bin/peerpool refuses unless told (rootIsRefusedWithoutR tests that).
        pb.environment().put("PEERPOOL_ALLOW_ROOT", "yes");
        pb.environment().putAll(env);
        pb.environment().values().removeIf(v -> v == null);
        Path out = Files.createTempFile(tmp, "out", ".txt");
        Path err = Files.createTempFile(tmp, "err", ".txt");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process p = pb.start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "finished: " + cmd);
        return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    /** Logs in to a demo node's JMX port with the login the demo keeps in the node's run/jmx-login. */
    private static JMXConnector demoJmx(Path runDir, int node, int port) throws Exception {
        JMXServiceURL url = new JMXServiceURL("service:jmx:rmi:///jndi/rmi://127.0.0.1:" + port + "/jmxrmi");
        String[] login = Files.readString(runDir.resolve("demo/node" + node + "/run/jmx-login")).strip().split(" ");
        return JMXConnectorFactory.connect(url, Map.of(JMXConnector.CREDENTIALS, login));
    }

    private static int jmxConnections(Path runDir, int node, int port) throws Exception {
        try (JMXConnector c = demoJmx(runDir, node, port)) {
            MBeanServerConnection mbs = c.getMBeanServerConnection();
            ObjectName pool = mbs.queryNames(new ObjectName("peerpool:type=ConnectionPool,*"), null).iterator().next();
            return (Integer) mbs.getAttribute(pool, "ConnectionCount");
        }
    }

    private static int freeTcpBase(int count) {
        while (true) {
            int base = TestNet.freePort(1);
            boolean ok = true;
            for (int i = 1; i <= count && ok; i++) {
                try (ServerSocket s = new ServerSocket()) {
                    s.bind(new InetSocketAddress(TestNet.ip(1), base + i));
                } catch (IOException e) {
                    ok = false;
                }
            }
            if (ok) {
                return base;
            }
        }
    }

    @Test
    void demoFormsAWholeMeshReactsToAnEditAndStopsCleanly() throws Exception {
        int port = TestNet.freePort(4);
        int jmxBase = freeTcpBase(8);
        int metricsBase = jmxBase + 4;
        // A space in the path: the demo once word-split its node directories (issue 13).
        Path runDir = tmp.resolve("demo run");
        Map<String, String> env = Map.of("PEERPOOL_RUN", runDir.toString(),
                "PEERPOOL_DEMO_PORT", String.valueOf(port), "PEERPOOL_DEMO_JMX_BASE", String.valueOf(jmxBase),
                "PEERPOOL_DEMO_METRICS_BASE", String.valueOf(metricsBase));
        cleanups.add(() -> {
            try {
                run(env, HOME, "bin/peerpool-demo", "stop");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Result started = run(env, HOME, "bin/peerpool-demo", "start", "4");
        assertEquals(0, started.exit(), started.all());
        for (int i = 1; i <= 4; i++) {
            assertTrue(started.out().contains("127.0.0." + i + ":" + port), started.out());
        }
        assertTrue(started.out().contains("jconsole 127.0.0.1:" + (jmxBase + 1)), started.out());
        long rows = started.out().lines().filter(l -> l.matches("127\\.0\\.0\\.\\d:\\d+\\s+3\\s.*")).count();
        assertEquals(4, rows, "four rows with 3 connections:\n" + started.out());
        for (int i = 1; i <= 4; i++) {
            assertEquals(3, jmxConnections(runDir, i, jmxBase + i), "node " + i + " over remote JMX");
            JMXServiceURL url = new JMXServiceURL("service:jmx:rmi:///jndi/rmi://127.0.0.1:" + (jmxBase + i) + "/jmxrmi");
            assertThrows(SecurityException.class, () -> JMXConnectorFactory.connect(url).close(),
                    "node " + i + "'s JMX port refuses a connection without credentials");
            for (String secret : List.of("etc/jmxremote.password", "run/jmx-login")) {
                Path f = runDir.resolve("demo/node" + i + "/" + secret);
                assertEquals(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE),
                        Files.getPosixFilePermissions(f), f + " is its owner's only");
            }
            String login = Files.readString(runDir.resolve("demo/node" + i + "/run/jmx-login")).strip().split(" ")[1];
            if (i == 1) {
                assertTrue(started.out().contains("jconsole 127.0.0.1:" + (jmxBase + 1) + "      (user peerpool, password "
                        + login + ")"), started.out());
            }
        }

        // Node 1's metrics: the mesh as it knows it from its peers' views, no pair missing.
        String missingZero = "peerpool_mesh_missing_pairs{node=\"127.0.0.1:" + port + "\"} 0.0";
        Await.until(Duration.ofSeconds(30), () -> scrape(metricsBase + 1).lines().anyMatch(missingZero::equals),
                () -> "node 1's metrics read 0 missing pairs:\n" + scrape(metricsBase + 1));

        Path ini = runDir.resolve("demo/node1/etc/peerpool.ini");
        String original = Files.readString(ini);
        String dropped = original.replace("peer = 127.0.0.4:" + port + "\n", "");
        assertTrue(!dropped.equals(original), "the demo config lists node 4");
        Files.writeString(ini, dropped);
        Await.until(Duration.ofSeconds(2), () -> connections(runDir, jmxBase + 1) == 2, "node 1 dropped node 4 within 2 s");
        Files.writeString(ini, original);
        Await.until(Duration.ofSeconds(5), () -> connections(runDir, jmxBase + 1) == 3, "node 1 has node 4 back");

        Result status = run(env, HOME, "bin/peerpool-demo", "status");
        assertEquals(0, status.exit(), status.all());
        assertTrue(status.out().contains("As node 1 sees the whole mesh (bin/peerpool mesh):\nMesh as 127.0.0.1:" + port
                + " knows it: 4 nodes, 6 pairs: 6 connected, 0 missing, 0 unknown"), status.out());

        // A demo node has a JMX port with a password: bin/peerpool peers reaches it by local attach.
        Map<String, String> node1 = Map.of("PEERPOOL_CONF", runDir.resolve("demo/node1/etc").toString(),
                "PEERPOOL_RUN", runDir.resolve("demo/node1/run").toString());
        Result peers = run(node1, HOME, "bin/peerpool", "peers");
        assertEquals(0, peers.exit(), peers.all());
        assertEquals(3, peers.out().lines().filter(l -> l.matches("127\\.0\\.0\\.[234]:\\d+ +CONNECTED +OUTBOUND .*"))
                .count(), peers.out());

        Result stopped = run(env, HOME, "bin/peerpool-demo", "stop");
        assertEquals(0, stopped.exit(), stopped.all());
        assertTrue(ProcessHandle.allProcesses().noneMatch(p -> p.info().commandLine()
                .map(c -> c.contains(runDir.toString())).orElse(false)), "no demo process left");
        assertEquals(3, run(env, HOME, "bin/peerpool-demo", "status").exit());
    }

    /** The pool's {@code attribute} and every Peer bean's {@code peerAttribute}, over remote JMX. */
    private static List<String> jmxTls(Path runDir, int node, int port, String attribute, String peerAttribute)
            throws Exception {
        try (JMXConnector c = demoJmx(runDir, node, port)) {
            MBeanServerConnection mbs = c.getMBeanServerConnection();
            ObjectName pool = mbs.queryNames(new ObjectName("peerpool:type=ConnectionPool,*"), null).iterator().next();
            List<String> out = new ArrayList<>(List.of(String.valueOf(mbs.getAttribute(pool, attribute))));
            for (ObjectName peer : mbs.queryNames(new ObjectName("peerpool:type=Peer,*"), null)) {
                out.add(String.valueOf(mbs.getAttribute(peer, peerAttribute)));
            }
            return out;
        }
    }

    @Test
    void demoWithTlsKeysAndPinsEveryNodeAndRunsEveryLinkOverTls() throws Exception {
        int n = 3;
        int port = TestNet.freePort(n);
        int jmxBase = freeTcpBase(n);
        Path runDir = tmp.resolve("tls demo");
        Map<String, String> env = Map.of("PEERPOOL_RUN", runDir.toString(),
                "PEERPOOL_DEMO_PORT", String.valueOf(port), "PEERPOOL_DEMO_JMX_BASE", String.valueOf(jmxBase));
        cleanups.add(() -> {
            try {
                run(env, HOME, "bin/peerpool-demo", "stop");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Result started = run(env, HOME, "bin/peerpool-demo", "start", "--tls", String.valueOf(n));
        assertEquals(0, started.exit(), started.all());
        List<String> rows = started.out().lines().filter(l -> l.matches("127\\.0\\.0\\.\\d:\\d+\\s+2\\s.*")).toList();
        assertEquals(n, rows.size(), "three rows with 2 connections:\n" + started.out());
        rows.forEach(row -> assertEquals(2, row.split("/TLS", -1).length - 1, "both links of a row are TLS: " + row));

        for (int i = 1; i <= n; i++) {
            Path etc = runDir.resolve("demo/node" + i + "/etc");
            String ini = Files.readString(etc.resolve("peerpool.ini"));
            assertTrue(ini.contains("mode = required"), ini);
            for (Path secret : List.of(etc.resolve("peerpool.ini"), etc.resolve("node.p12"))) {
                assertEquals(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE),
                        Files.getPosixFilePermissions(secret), secret + " is its owner's only");
            }
            Result pin = run(Map.of("PEERPOOL_CONF", etc.toString()), HOME, "bin/peerpool", "pin");
            assertEquals(0, pin.exit(), pin.all());
            String own = pin.out().strip();
            List<String> tls = jmxTls(runDir, i, jmxBase + i, "LocalKeyPin", "Security");
            assertEquals(own, tls.get(0), "node " + i + "'s LocalKeyPin is what bin/peerpool pin prints");
            assertEquals(n - 1, tls.size() - 1, "node " + i + " has two Peer beans: " + tls);
            tls.subList(1, tls.size()).forEach(sec -> assertTrue(sec.startsWith("TLSv1.3"), "Security: " + sec));
            for (int j = 1; j <= n; j++) {
                if (j != i) {
                    String other = Files.readString(runDir.resolve("demo/node" + j + "/etc/peerpool.ini"));
                    assertTrue(other.contains("peer = 127.0.0." + i + ":" + port + " " + own + "\n"),
                            "node " + j + " pins node " + i + ":\n" + other);
                }
            }
        }
        Result stopped = run(env, HOME, "bin/peerpool-demo", "stop");
        assertEquals(0, stopped.exit(), stopped.all());
    }

    private static int connections(Path runDir, int jmxPort) {
        try {
            return jmxConnections(runDir, 1, jmxPort);
        } catch (Exception e) {
            return -1;
        }
    }

    /** A config directory for one node on 127.0.0.1:port listing 127.0.0.2:port. */
    private Path confDir(int port) throws IOException {
        Path conf = Files.createDirectories(tmp.resolve("conf"));
        Files.writeString(conf.resolve("peerpool.ini"), "[network]\nlocal_ip = 127.0.0.1\nport = " + port
                + "\npeer = 127.0.0.2\n[connection]\nreconnect_min_ms = 100\n");
        Files.copy(HOME.resolve("etc/log4j2.xml"), conf.resolve("log4j2.xml"));
        Files.writeString(conf.resolve("peerpool-env.sh"), "PEERPOOL_JVM_OPTS=\"-Xmx64m -XX:TieredStopAtLevel=1\"\n");
        return conf;
    }

    /**
     * Issue 18, local control: {@code bin/peerpool start} refuses root unless given
     * {@code -R} (as Cassandra's does), and its output and pid files are made new, never
     * written through a link someone left in their place.
     */
    @Test
    void rootNeedsRAndNoFileIsWrittenThroughALink() throws Exception {
        int port = TestNet.freePort(2);
        Path conf = confDir(port);
        Path runDir = Files.createDirectories(tmp.resolve("run"));
        Path victim = Files.writeString(tmp.resolve("victim.txt"), "keep me\n");
        Files.createSymbolicLink(runDir.resolve("peerpool.out"), victim);
        Files.createSymbolicLink(runDir.resolve("peerpool.pid.tmp"), victim);
        Map<String, String> env = Map.of("PEERPOOL_CONF", conf.toString(), "PEERPOOL_RUN", runDir.toString(),
                "PEERPOOL_ALLOW_ROOT", "no");
        cleanups.add(() -> {
            try {
                run(env, HOME, "bin/peerpool", "stop");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        boolean root = "0".equals(new String(new ProcessBuilder("id", "-u").start().getInputStream().readAllBytes())
                .trim());
        if (root) {
            Result refused = run(env, HOME, "bin/peerpool", "start");
            assertEquals(1, refused.exit(), refused.all());
            assertTrue(refused.err().contains("as root") && refused.err().contains("-R"), refused.err());
            assertFalse(Files.exists(runDir.resolve("peerpool.pid")), "nothing started");
        }
        Result start = run(env, HOME, "bin/peerpool", "start", "-R");
        assertEquals(0, start.exit(), start.all());
        assertEquals("keep me\n", Files.readString(victim), "neither file was written through its link");
        assertFalse(Files.isSymbolicLink(runDir.resolve("peerpool.out")), "the output file is a new file");
        assertTrue(Files.readString(runDir.resolve("peerpool.pid")).trim().matches("[0-9]+"));
        assertEquals(0, run(env, HOME, "bin/peerpool", "stop").exit());
    }

    @Test
    void startStatusStopWithThePidFileGuardAndGoodbye() throws Exception {
        int port = TestNet.freePort(2);
        Path conf = confDir(port);
        Map<String, String> env = Map.of("PEERPOOL_CONF", conf.toString(), "PEERPOOL_RUN", tmp.resolve("run").toString());
        cleanups.add(() -> {
            try {
                run(env, HOME, "bin/peerpool", "stop");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        NodeAddress node = TestNet.address(1, port);
        try (Agent peer = Agent.builder(NodeConfig.builder(TestNet.ip(2)).port(port).addPeer(node).build())
                .ioThreads(1).mbeanServer(null).build()) {
            ConcurrentLinkedQueue<PeerEvent> events = new ConcurrentLinkedQueue<>();
            peer.onPeerEvent(events::add);
            peer.start();

            assertEquals(3, run(env, HOME, "bin/peerpool", "status").exit(), "not running yet");
            Result start = run(env, HOME, "bin/peerpool", "start");
            assertEquals(0, start.exit(), start.all());
            assertTrue(start.out().contains("started (pid"), start.out());
            assertTrue(Files.exists(tmp.resolve("run/peerpool.pid")), "pid file");
            Result status = run(env, HOME, "bin/peerpool", "status");
            assertEquals(0, status.exit(), status.all());
            assertTrue(status.out().contains("is running"), status.out());
            Result again = run(env, HOME, "bin/peerpool", "start");
            assertEquals(1, again.exit(), "a second copy is refused: " + again.all());
            assertTrue(again.err().contains("already running"), again.err());

            Await.until(Duration.ofSeconds(20), () -> peer.pool().isConnected(node), "the node connected to its peer");
            Result stop = run(env, HOME, "bin/peerpool", "stop");
            assertEquals(0, stop.exit(), stop.all());
            assertTrue(stop.out().contains("stopped"), stop.out());
            Await.until(Duration.ofSeconds(5), () -> events.stream().anyMatch(e -> e.kind() == PeerEvent.Kind.DISCONNECTED),
                    "the peer saw the node go");
            assertEquals("peer said goodbye: shutting down", events.stream()
                    .filter(e -> e.kind() == PeerEvent.Kind.DISCONNECTED).findFirst().orElseThrow().reason());
            assertEquals(3, run(env, HOME, "bin/peerpool", "status").exit(), "not running after stop");
            assertTrue(!Files.exists(tmp.resolve("run/peerpool.pid")), "pid file removed");
        }
    }

    /** The body of http://127.0.0.1:port/metrics, or "" while nothing answers there. */
    private static String scrape(int port) {
        try {
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/metrics")).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? r.body() : "";
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    /**
     * A fresh install with metrics on: the first start used to record the class-data-sharing
     * archive with the Prometheus agent loaded, which the JVM refuses ("Must enable
     * AllowArchivingWithJavaAgent"), so the node never started. Now the first start serves
     * metrics and the next one maps an archive recorded without the agent.
     */
    @Test
    void metricsStartOnAnEmptyCdsDirectoryAndTheNextStartMapsTheArchive() throws Exception {
        int port = TestNet.freePort(2);
        int metricsPort = TestNet.freePort(1);
        Path conf = confDir(port);
        Files.copy(HOME.resolve("etc/metrics.yaml"), conf.resolve("metrics.yaml"));
        Path runDir = tmp.resolve("run");
        Path cds = Files.createDirectories(tmp.resolve("cds"));
        Map<String, String> env = Map.of("PEERPOOL_CONF", conf.toString(), "PEERPOOL_RUN", runDir.toString(),
                "PEERPOOL_CDS_DIR", cds.toString(), "PEERPOOL_METRICS_PORT", String.valueOf(metricsPort));
        cleanups.add(() -> {
            try {
                run(env, HOME, "bin/peerpool", "stop");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        for (String start : List.of("first", "second")) {
            Result started = run(env, HOME, "bin/peerpool", "start");
            assertEquals(0, started.exit(), start + " start: " + started.all());
            Await.until(Duration.ofSeconds(30), () -> scrape(metricsPort).contains("\npeerpool_"),
                    () -> start + " start serves peerpool_ metrics:\n" + scrape(metricsPort));
            if (start.equals("second")) {
                List<Path> archives;
                try (var files = Files.list(cds)) {
                    archives = files.filter(f -> f.getFileName().toString().endsWith(".jsa")).toList();
                }
                assertEquals(1, archives.size(), "one archive in " + cds + ": " + archives);
                String pid = Files.readString(runDir.resolve("peerpool.pid")).trim();
                assertTrue(Files.readString(Path.of("/proc", pid, "maps")).contains(archives.get(0).toString()),
                        "the node (pid " + pid + ") has mapped " + archives.get(0));
                Path cdsLog = runDir.resolve("cds.log");
                String warnings = Files.exists(cdsLog) ? Files.readString(cdsLog) : "";
                assertFalse(warnings.contains("Unable to use") || warnings.contains("mismatch"), warnings);
            }
            Result stopped = run(env, HOME, "bin/peerpool", "stop");
            assertEquals(0, stopped.exit(), start + " stop: " + stopped.all());
        }
    }

    @Test
    void aPortInUseIsReportedClearly() throws Exception {
        int port = TestNet.freePort(1);
        Path conf = confDir(port);
        Map<String, String> env = Map.of("PEERPOOL_CONF", conf.toString(), "PEERPOOL_RUN", tmp.resolve("run").toString());
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(TestNet.ip(1), port));
            Result start = run(env, HOME, "bin/peerpool", "start");
            assertEquals(1, start.exit(), start.all());
            assertTrue(start.err().contains("cannot listen on 127.0.0.1:" + port), start.err());
            assertEquals(3, run(env, HOME, "bin/peerpool", "status").exit());
        }
    }

    @Test
    void aMissingJdkIsReportedClearly() throws Exception {
        // A PATH with the shell tools the script needs and no java; no JAVA_HOME.
        Path tools = Files.createDirectories(tmp.resolve("tools"));
        for (String t : List.of("sh", "dirname", "cat", "sed", "head", "mkdir", "rm", "sleep", "nohup", "mvn")) {
            for (String dir : List.of("/bin", "/usr/bin")) {
                Path real = Path.of(dir, t);
                if (Files.isExecutable(real) && !Files.exists(tools.resolve(t))) {
                    Files.createSymbolicLink(tools.resolve(t), real);
                }
            }
        }
        Map<String, String> env = new HashMap<>();
        env.put("PATH", tools.toString());
        env.put("JAVA_HOME", tmp.resolve("no-jdk-here").toString());
        env.put("PEERPOOL_CONF", confDir(TestNet.freePort(1)).toString());
        env.put("PEERPOOL_RUN", tmp.resolve("run").toString());
        Result start = run(env, HOME, "bin/peerpool", "start");
        assertEquals(1, start.exit(), start.all());
        assertTrue(start.err().contains("no Java found"), start.err());
        Result demo = run(env, HOME, "bin/peerpool-demo", "start");
        assertEquals(1, demo.exit(), demo.all());
        assertTrue(demo.err().contains("no Java found"), demo.err());
    }

    @Test
    void remoteJmxBeyondLoopbackWithoutAPasswordIsRefused() throws Exception {
        Map<String, String> env = Map.of("PEERPOOL_CONF", confDir(TestNet.freePort(1)).toString(),
                "PEERPOOL_RUN", tmp.resolve("run").toString(), "PEERPOOL_JMX_PORT", "19999",
                "PEERPOOL_JMX_HOST", "0.0.0.0");
        Result start = run(env, HOME, "bin/peerpool", "start");
        assertEquals(1, start.exit(), start.all());
        assertTrue(start.err().contains("refusing to open remote JMX on 0.0.0.0 without authentication"), start.err());
    }

    @Test
    void theDistributionArchiveStartsAndStopsANodeWhereverItIsUnpacked() throws Exception {
        Path archive;
        try (var files = Files.list(HOME.resolve("target"))) {
            archive = files.filter(f -> f.getFileName().toString().matches("peerpool-.*\\.tar\\.gz")).findFirst()
                    .orElseThrow(() -> new AssertionError("no target/peerpool-*.tar.gz"));
        }
        Path unpack = Files.createDirectories(tmp.resolve("opt"));
        Process tar = new ProcessBuilder("tar", "xzf", archive.toString(), "-C", unpack.toString()).inheritIO().start();
        assertEquals(0, tar.waitFor());
        Path home;
        try (var dirs = Files.list(unpack)) {
            home = dirs.findFirst().orElseThrow();
        }
        for (String f : List.of("bin/peerpool", "bin/peerpool-demo", "etc/peerpool.ini", "etc/log4j2.xml",
                "etc/peerpool-env.sh", "etc/peerpool.service", "etc/metrics.yaml", "lib/peerpool.jar",
                "lib/jmx_prometheus_javaagent-1.0.1.jar", "README.md", "CHANGELOG.md", "docs/PROTOCOL.md")) {
            assertTrue(Files.exists(home.resolve(f)), "archive has " + f);
        }
        int port = TestNet.freePort(1);
        Path ini = home.resolve("etc/peerpool.ini");
        Files.writeString(ini, Files.readString(ini, StandardCharsets.UTF_8).replace("port = 7100", "port = " + port));
        Map<String, String> env = Map.of();
        cleanups.add(() -> {
            try {
                run(env, home, "bin/peerpool", "stop");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Result start = run(env, home, "bin/peerpool", "start");
        assertEquals(0, start.exit(), start.all());
        assertTrue(Files.exists(home.resolve("run/peerpool.pid")), "run files under the unpacked tree");
        assertEquals(0, run(env, home, "bin/peerpool", "status").exit());
        Result stop = run(env, home, "bin/peerpool", "stop");
        assertEquals(0, stop.exit(), stop.all());
        assertEquals(3, run(env, home, "bin/peerpool", "status").exit());
    }
}
