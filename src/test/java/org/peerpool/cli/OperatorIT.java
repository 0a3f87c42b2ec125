package org.peerpool.cli;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.management.ObjectName;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.peerpool.Agent;
import org.peerpool.PeerEvent;
import org.peerpool.config.NodeConfig;
import org.peerpool.testing.Await;
import org.peerpool.testing.MiniJson;
import org.peerpool.testing.TestNet;
import org.peerpool.wire.NodeAddress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The operator commands of issue 13 driven through {@code bin/peerpool} against a node
 * it started: peers, info, disconnect, connect and reload with their exit codes, the
 * Prometheus endpoint, and the script defects fixed on the way (pid checks, start
 * timeout, JVM options with a star, the clear-text password warning).
 */
@Timeout(240)
class OperatorIT {

    private static final Path HOME = Path.of("").toAbsolutePath();
    private static final List<List<String>> EVERY_COMMAND = List.of(List.of("peers"), List.of("peers", "--json"),
            List.of("info"), List.of("info", "--json"), List.of("disconnect", "127.0.0.3"),
            List.of("connect", "127.0.0.3"), List.of("reload"));

    @TempDir
    Path tmp;

    private final List<AutoCloseable> cleanups = new ArrayList<>();

    @AfterEach
    void cleanUp() throws Exception {
        for (AutoCloseable c : cleanups) {
            c.close();
        }
    }

    record Result(int exit, String out, String err) {
        String all() {
            return "exit " + exit + "\n" + out + err;
        }
    }

    private Result run(Map<String, String> env, String... command) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(command));
        cmd.set(0, HOME.resolve(cmd.get(0)).toString());
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(tmp.toFile());
        // CI runs as root, which bin/peerpool refuses unless told (rootIsRefusedWithoutR tests that).
        pb.environment().put("PEERPOOL_ALLOW_ROOT", "yes");
        pb.environment().putAll(env);
        Path out = Files.createTempFile(tmp, "out", ".txt");
        Path err = Files.createTempFile(tmp, "err", ".txt");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process p = pb.start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "finished: " + cmd);
        return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    private Result ctl(Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("bin/peerpool"));
        cmd.addAll(List.of(args));
        return run(env, cmd.toArray(String[]::new));
    }

    /** A config dir for a node on 127.0.0.2:port with these peers and quiet heartbeats. */
    private Path conf(String name, int port, String envLines, String... peers) throws IOException {
        Path conf = Files.createDirectories(tmp.resolve(name));
        StringBuilder ini = new StringBuilder("[network]\nlocal_ip = 127.0.0.2\nport = " + port + "\n");
        for (String p : peers) {
            ini.append("peer = ").append(p).append('\n');
        }
        ini.append("[connection]\nreconnect_min_ms = 100\nreconnect_max_ms = 500\n"
                + "heartbeat_interval_s = 3600\nidle_timeout_s = 7200\n");
        Files.writeString(conf.resolve("peerpool.ini"), ini);
        Files.copy(HOME.resolve("etc/log4j2.xml"), conf.resolve("log4j2.xml"));
        Files.copy(HOME.resolve("etc/metrics.yaml"), conf.resolve("metrics.yaml"));
        Files.writeString(conf.resolve("peerpool-env.sh"), envLines);
        return conf;
    }

    private Map<String, String> envFor(Path conf, String run) {
        return Map.of("PEERPOOL_CONF", conf.toString(), "PEERPOOL_RUN", tmp.resolve(run).toString());
    }

    private void stopAfter(Map<String, String> env) {
        cleanups.add(() -> run(env, "bin/peerpool", "stop"));
    }

    private Agent peer(int i, int port, NodeAddress node) throws IOException {
        Agent a = Agent.builder(TestNet.fast(NodeConfig.builder(TestNet.ip(i)).port(port).addPeer(node))
                .heartbeatIntervalS(3600).idleTimeoutS(7200).build()).ioThreads(1).mbeanServer(null).build();
        cleanups.add(a::stop);
        a.start();
        return a;
    }

    @Test
    @SuppressWarnings("unchecked")
    void peersInfoDisconnectConnectReloadAndMetricsOnANodeWithThreePeers() throws Exception {
        int port = TestNet.freePort(4);
        int metricsPort = TestNet.freePort(2);
        NodeAddress node = TestNet.address(2, port);
        Path conf = conf("conf", port, "PEERPOOL_JVM_OPTS=\"-Xmx64m -XX:TieredStopAtLevel=1\"\n"
                + "PEERPOOL_METRICS_PORT=" + metricsPort + "\n", "127.0.0.1", "127.0.0.3", "127.0.0.4");
        Map<String, String> env = envFor(conf, "run");
        stopAfter(env);
        Agent lower = peer(1, port, node);
        Agent third = peer(3, port, node);
        Agent fourth = peer(4, port, node);
        ConcurrentLinkedQueue<PeerEvent> thirdSaw = new ConcurrentLinkedQueue<>();
        third.onPeerEvent(thirdSaw::add);

        Result start = run(env, "bin/peerpool", "start");
        assertEquals(0, start.exit(), start.all());
        Await.until(Duration.ofSeconds(30), () -> lower.pool().isConnected(node) && third.pool().isConnected(node)
                && fourth.pool().isConnected(node), "the three peers connected to the node");

        // 1. peers: three rows in address order, CONNECTED, with the direction the address order gives.
        Result peers = ctl(env, "peers");
        assertEquals(0, peers.exit(), peers.all());
        List<String> lines = peers.out().lines().toList();
        assertEquals(4, lines.size(), peers.out());
        assertTrue(lines.get(0).startsWith("ADDRESS  ") && lines.get(0).contains("DIRECTION"), lines.get(0));
        String[][] expected = {{"127.0.0.1", "INBOUND"}, {"127.0.0.3", "OUTBOUND"}, {"127.0.0.4", "OUTBOUND"}};
        for (int i = 0; i < 3; i++) {
            assertTrue(lines.get(i + 1).matches(Pattern.quote(expected[i][0] + ":" + port)
                    + " +CONNECTED +" + expected[i][1] + " +\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d +\\d+/\\d+ +\\d+/\\d+"
                    + " +plaintext"),
                    lines.get(i + 1));
        }
        lines.forEach(l -> assertTrue(l.length() <= 120, l));

        Result json = ctl(env, "peers", "--json");
        assertEquals(0, json.exit(), json.all());
        List<Map<String, Object>> rows = (List<Map<String, Object>>) MiniJson.parse(json.out());
        assertEquals(3, rows.size(), json.out());
        for (int i = 0; i < 3; i++) {
            Map<String, Object> r = rows.get(i);
            assertEquals(expected[i][0] + ":" + port, r.get("address"));
            assertEquals("CONNECTED", r.get("state"));
            assertEquals(expected[i][1], r.get("direction"));
            assertTrue(lines.get(i + 1).contains(r.get("messagesIn") + "/" + r.get("messagesOut")), lines.get(i + 1));
        }

        Result infoJson = ctl(env, "info", "--json");
        assertEquals(0, infoJson.exit(), infoJson.all());
        Map<String, Object> info = (Map<String, Object>) MiniJson.parse(infoJson.out());
        assertEquals(node.toString(), info.get("localAddress"));
        assertEquals(3L, info.get("connectionCount"));
        assertEquals(1L, info.get("inboundCount"));
        assertEquals(2L, info.get("outboundCount"));
        assertEquals(List.of("127.0.0.1:" + port, "127.0.0.3:" + port, "127.0.0.4:" + port), info.get("configuredPeers"));
        assertEquals(conf.resolve("peerpool.ini").toRealPath().toString(),
                ((Map<String, Object>) info.get("config")).get("file"));
        Result infoText = ctl(env, "info");
        assertEquals(0, infoText.exit(), infoText.all());
        assertTrue(infoText.out().contains("Address              " + node + "\n"), infoText.out());
        assertTrue(infoText.out().contains("Connections          3\n"), infoText.out());

        // The mesh as the node knows it: its three peers list only it, and their VIEWs say so.
        Result mesh = ctl(env, "mesh");
        assertEquals(1, mesh.exit(), "a missing pair fails the command: " + mesh.all());
        assertTrue(mesh.out().startsWith("Mesh as " + node + " knows it: 4 nodes, 6 pairs: 3 connected, 3 missing,"
                + " 0 unknown\n"), mesh.out());
        assertTrue(mesh.out().contains("  127.0.0.1:" + port + "  127.0.0.3:" + port + "\n"), mesh.out());
        Map<String, Object> meshJson = (Map<String, Object>) MiniJson.parse(ctl(env, "mesh", "--json").out());
        assertEquals(3L, meshJson.get("missing"), meshJson.toString());

        // 4. /metrics: pool and peer series whose values are the beans'; loopback 127.0.0.1 only.
        String metrics = get("http://127.0.0.1:" + metricsPort + "/metrics");
        String n = "node=\"" + node + "\"";
        assertEquals(3.0, metric(metrics, "peerpool_connections\\{" + n + "\\}"), metrics);
        assertEquals(3.0, metric(metrics, "peerpool_mesh_missing_pairs\\{" + n + "\\}"), metrics);
        assertEquals(((Long) info.get("connectAttempts")).doubleValue(),
                metric(metrics, "peerpool_connect_attempts_total\\{" + n + "\\}"));
        for (int i = 0; i < 3; i++) {
            Map<String, Object> r = rows.get(i);
            String labels = n + ",peer=\"" + r.get("address") + "\"";
            assertEquals(1.0, metric(metrics, "peerpool_peer_connected\\{" + labels + ",state=\"CONNECTED\"\\}"));
            assertEquals(1.0, metric(metrics, "peerpool_peer_direction\\{direction=\"" + expected[i][1] + "\","
                    + labels + "\\}"));
            assertEquals(((Long) r.get("bytesIn")).doubleValue(),
                    metric(metrics, "peerpool_peer_bytes_in_total\\{" + labels + "\\}"));
            assertEquals(((Long) r.get("bytesOut")).doubleValue(),
                    metric(metrics, "peerpool_peer_bytes_out_total\\{" + labels + "\\}"));
            assertEquals(((Long) r.get("messagesIn")).doubleValue(),
                    metric(metrics, "peerpool_peer_messages_in_total\\{" + labels + "\\}"));
        }
        assertThrows(ConnectException.class, () -> {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(TestNet.ip(2), metricsPort), 2000);
            }
        }, "the metrics port is not open on 127.0.0.2");

        // 2. disconnect: the peer hears why, the node redials it, and the history shows it.
        NodeAddress thirdAddress = third.address();
        Result disconnect = ctl(env, "disconnect", thirdAddress.toString());
        assertEquals(0, disconnect.exit(), disconnect.all());
        assertEquals("Disconnected from " + thirdAddress + "; this node redials it after its backoff delay\n",
                disconnect.out());
        Await.until(Duration.ofSeconds(5), () -> thirdSaw.stream().anyMatch(e -> e.kind() == PeerEvent.Kind.DISCONNECTED),
                "the peer saw the disconnect");
        assertEquals("peer said goodbye: disconnected by operator", thirdSaw.stream()
                .filter(e -> e.kind() == PeerEvent.Kind.DISCONNECTED).findFirst().orElseThrow().reason());
        Await.until(Duration.ofSeconds(10), () -> thirdSaw.stream().filter(e -> e.kind() == PeerEvent.Kind.CONNECTED)
                .count() == 2, "the node dialed the peer again");
        long pid = Long.parseLong(Files.readString(tmp.resolve("run/peerpool.pid")).trim());
        try (OperatorClient client = OperatorClient.attach(pid)) {
            ObjectName pool = client.pool();
            ObjectName peerBean = client.peers(pool).get(1);
            Map<String, Object> history = client.read(peerBean, "Address", "Disconnects", "RecentDisconnects");
            assertEquals(thirdAddress.toString(), history.get("Address"));
            assertEquals(1L, history.get("Disconnects"));
            List<String> recent = (List<String>) history.get("RecentDisconnects");
            assertEquals(1, recent.size(), recent.toString());
            assertTrue(recent.get(0).matches("\\S+Z disconnected by operator \\(connected \\d+ s, OUTBOUND\\)"),
                    recent.get(0));
        }
        Map<String, Object> after = (Map<String, Object>) MiniJson.parse(ctl(env, "info", "--json").out());
        assertEquals(Map.of("disconnected by operator", 1L), after.get("disconnectReasons"));
        assertEquals(4L, after.get("connectionsOpened"));
        assertEquals(1L, after.get("connectionsClosed"));

        // Refusals name what was refused; exit 1.
        for (String[] bad : List.of(new String[] {"disconnect", "127.0.0.9:" + port},
                new String[] {"connect", "127.0.0.9"}, new String[] {"connect", "999.1.1.1"},
                new String[] {"disconnect", "127.0.0.3:99999"})) {
            Result r = ctl(env, bad);
            assertEquals(1, r.exit(), r.all());
            assertEquals(1, r.err().lines().count(), "one line: " + r.err());
            assertTrue(r.err().startsWith("peerpool: the node refused: ") && r.err().contains(bad[1].replace(":99999", "")),
                    r.err());
        }
        Result connect = ctl(env, "connect", "127.0.0.1");
        assertEquals(0, connect.exit(), connect.all());
        assertTrue(connect.out().startsWith("Nothing to do: 127.0.0.1:" + port + " has the lower address"), connect.out());
        Result reload = ctl(env, "reload");
        assertEquals(0, reload.exit(), reload.all());
        assertTrue(reload.out().startsWith("Unchanged: "), reload.out());
        Result usage = ctl(env, "disconnect");
        assertEquals(2, usage.exit(), usage.all());

        // A file that does not validate: reload exits 1 with the reason, whether it or the watcher saw it first.
        Path ini = conf.resolve("peerpool.ini");
        String good = Files.readString(ini);
        Files.writeString(ini, good.replace("port = " + port, "port = 99999"));
        Result rejected = ctl(env, "reload");
        assertEquals(1, rejected.exit(), rejected.all());
        assertEquals(1, rejected.err().lines().count(), rejected.err());
        assertTrue(rejected.err().contains("port") && rejected.err().contains("99999"), rejected.err());
        Files.writeString(ini, good);
        Result restored = ctl(env, "reload");
        assertEquals(0, restored.exit(), restored.all());
        assertEquals(3, lower.pool().connectionCount() + third.pool().connectionCount() + fourth.pool().connectionCount(),
                "the rejected file touched no connection");
    }

    private static String get(String url) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return r.body();
    }

    /** The value of the one series matching {@code seriesRegex} (name and labels). */
    private static double metric(String metrics, String seriesRegex) {
        Matcher m = Pattern.compile("(?m)^" + seriesRegex + " (\\S+)$").matcher(metrics);
        assertTrue(m.find(), "no series " + seriesRegex + " in:\n" + metrics);
        double v = Double.parseDouble(m.group(1));
        assertFalse(m.find(), "two series " + seriesRegex);
        return v;
    }

    @Test
    void everyCommandExitsThreeWhenNoNodeRuns() throws Exception {
        Path conf = conf("conf", TestNet.freePort(1), "");
        Map<String, String> env = envFor(conf, "run");
        Path pidFile = Files.createDirectories(tmp.resolve("run")).resolve("peerpool.pid");
        Process ended = new ProcessBuilder("true").start();
        ended.waitFor();
        Process other = new ProcessBuilder("sleep", "120").start();
        cleanups.add(other::destroy);

        Map<String, String> cases = new HashMap<>();
        cases.put("", "no pid file " + pidFile);
        cases.put(ended.pid() + "\n", "stale pid file: pid " + ended.pid() + " no longer runs");
        cases.put(other.pid() + "\n", "stale pid file: pid " + other.pid() + " is not this node's JVM");
        cases.put("garbage\n", "holds 'garbage', not a pid");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            Files.deleteIfExists(pidFile);
            if (!c.getKey().isEmpty()) {
                Files.writeString(pidFile, c.getKey());
            }
            for (List<String> command : EVERY_COMMAND) {
                Result r = ctl(env, command.toArray(String[]::new));
                assertEquals(3, r.exit(), command + " with pid file '" + c.getKey() + "': " + r.all());
                assertEquals(1, r.err().lines().count(), r.err());
                assertTrue(r.err().contains("no node is running (") && r.err().contains(c.getValue()), r.err());
            }
            Result status = run(env, "bin/peerpool", "status");
            assertEquals(3, status.exit(), status.all());
            assertTrue(status.out().contains(c.getValue()), status.out());
        }
        Files.writeString(pidFile, other.pid() + "\n");
        Result stop = run(env, "bin/peerpool", "stop");
        assertEquals(0, stop.exit(), stop.all());
        assertTrue(other.isAlive(), "stop left the process that is not the node alone");
        assertFalse(Files.exists(pidFile), "and removed the stale pid file");
    }

    @Test
    void aStartThatTimesOutLeavesNoProcessBehind() throws Exception {
        Path conf = conf("conf", TestNet.freePort(2), "PEERPOOL_JVM_OPTS=\"-Xmx64m -XX:TieredStopAtLevel=1\"\n");
        Map<String, String> env = new HashMap<>(envFor(conf, "run"));
        env.put("PEERPOOL_START_TIMEOUT", "3");
        // The node cannot write its pid file (its temporary name is taken by a directory), so it never reports started.
        Files.createDirectories(tmp.resolve("run/peerpool.pid.tmp"));
        stopAfter(env);
        Result start = run(env, "bin/peerpool", "start");
        assertEquals(1, start.exit(), start.all());
        assertTrue(start.err().contains("did not report started within 3 s; stopped it"), start.err());
        assertTrue(nodeProcesses(conf).isEmpty(), "no JVM left: " + nodeProcesses(conf));
    }

    private static List<ProcessHandle> nodeProcesses(Path conf) {
        return ProcessHandle.allProcesses().filter(p -> p.info().commandLine()
                .map(c -> c.contains("org.peerpool.cli.Main") && c.contains(conf.toString())).orElse(false)).toList();
    }

    @Test
    void jvmOptionsWithAStarReachTheJvmUnchanged() throws Exception {
        // Files the star would match if the shell expanded it, in the directory the script runs in.
        Files.writeString(tmp.resolve("-Xlog:gc-trap:file=gc.log"), "");
        Files.writeString(tmp.resolve("-Dpeerpool.probe=star-trap"), "");
        Path conf = conf("conf", TestNet.freePort(2), "PEERPOOL_JVM_OPTS=\"-Xmx64m -XX:TieredStopAtLevel=1"
                + " -Xlog:gc*:file=gc.log -Dpeerpool.probe=star*\"\n");
        Map<String, String> env = envFor(conf, "run");
        stopAfter(env);
        Result start = run(env, "bin/peerpool", "start");
        assertEquals(0, start.exit(), start.all());
        long pid = Long.parseLong(Files.readString(tmp.resolve("run/peerpool.pid")).trim());
        List<String> args = List.of(ProcessHandle.of(pid).orElseThrow().info().arguments().orElseThrow());
        assertTrue(args.contains("-Xlog:gc*:file=gc.log") && args.contains("-Dpeerpool.probe=star*"), args.toString());
        assertEquals(0, run(env, "bin/peerpool", "stop").exit());
    }

    @Test
    void badOperatorSettingsAreClearLines() throws Exception {
        Path password = Files.writeString(tmp.resolve("jmx.password"), "operator secret\n");
        Path conf = Files.createDirectories(tmp.resolve("no-ini"));
        Map<String, String> env = new HashMap<>(envFor(conf, "run"));
        env.put("PEERPOOL_JMX_PORT", "19998");
        // On loopback too, a JMX port needs a password file, and one only its owner reads.
        Result noPassword = run(env, "bin/peerpool", "start");
        assertEquals(1, noPassword.exit(), noPassword.all());
        assertTrue(noPassword.err().contains("refusing to open remote JMX on 127.0.0.1 without authentication"),
                noPassword.err());
        env.put("PEERPOOL_JMX_PASSWORD_FILE", password.toString());
        Result readable = run(env, "bin/peerpool", "start");
        assertEquals(1, readable.exit(), readable.all());
        assertEquals("peerpool: " + password + " can be read by others: chmod 600 it (the JVM refuses a password file"
                + " that is not private)\n", readable.err());
        Files.setPosixFilePermissions(password, PosixFilePermissions.fromString("rw-------"));
        env.put("PEERPOOL_JMX_HOST", "10.255.255.1");
        // The config file is missing, so nothing starts and nothing listens: only the checks before the launch run.
        Result clear = run(env, "bin/peerpool", "start");
        assertEquals(1, clear.exit(), clear.all());
        assertTrue(clear.err().contains("warning: JMX on 10.255.255.1 asks for passwords but PEERPOOL_JMX_SSL is not "
                + "'true', so they cross the network in clear"), clear.err());
        assertTrue(clear.err().contains("peerpool.ini not found"), clear.err());
        env.put("PEERPOOL_JMX_SSL", "true");
        Result ssl = run(env, "bin/peerpool", "start");
        assertFalse(ssl.err().contains("warning"), ssl.err());

        Map<String, String> metrics = new HashMap<>(envFor(conf, "run"));
        metrics.put("PEERPOOL_METRICS_PORT", "94x4");
        Result badPort = run(metrics, "bin/peerpool", "start");
        assertEquals(1, badPort.exit(), badPort.all());
        assertEquals("peerpool: PEERPOOL_METRICS_PORT must be a port number (1-65535), not '94x4'\n", badPort.err());
        metrics.put("PEERPOOL_METRICS_PORT", "9464");
        Result noRules = run(metrics, "bin/peerpool", "start");
        assertEquals(1, noRules.exit(), noRules.all());
        assertTrue(noRules.err().contains("metrics.yaml is missing"), noRules.err());
    }
}
