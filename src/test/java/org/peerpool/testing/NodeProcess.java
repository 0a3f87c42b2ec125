package org.peerpool.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

import org.peerpool.jmx.JmxNames;
import org.peerpool.wire.NodeAddress;

/**
 * One node run as its own process ({@code org.peerpool.cli.Main CONFIG_FILE}), as an
 * operator runs it, with remote JMX on a free port of 127.0.0.1 so a test can read its
 * pool, and a pid file that appears once it listens. Output goes to a log file.
 */
public final class NodeProcess {

    /** How the node's ends of its connections look from inside it, over JMX. */
    public record End(String localSocket, String remoteSocket, String direction) { }

    private final Process process;
    private final Path pidFile;
    private final Path log;
    private final int jmxPort;

    private NodeProcess(Process process, Path pidFile, Path log, int jmxPort) {
        this.process = process;
        this.pidFile = pidFile;
        this.log = log;
        this.jmxPort = jmxPort;
    }

    /**
     * Starts {@code java [launch...] ini}, where {@code launch} is {@code -jar JAR} or
     * {@code -cp CLASSPATH org.peerpool.cli.Main}; its pid and log files go in {@code dir}
     * under {@code name}.
     */
    public static NodeProcess start(List<String> launch, Path ini, Path dir, String name) throws IOException {
        int jmxPort = freeLoopbackPort();
        Path pid = dir.resolve(name + ".pid");
        Path log = dir.resolve(name + ".log");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx96m", "-XX:TieredStopAtLevel=1",
                "-Dcom.sun.management.jmxremote.port=" + jmxPort, "-Dcom.sun.management.jmxremote.rmi.port=" + jmxPort,
                "-Dcom.sun.management.jmxremote.host=127.0.0.1", "-Djava.rmi.server.hostname=127.0.0.1",
                "-Dcom.sun.management.jmxremote.authenticate=false", "-Dcom.sun.management.jmxremote.ssl=false",
                "-Dpeerpool.pidfile=" + pid));
        cmd.addAll(launch);
        cmd.add(ini.toString());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        return new NodeProcess(p, pid, log, jmxPort);
    }

    /** Waits for the pid file Main writes once the node listens; returns how long that took in ms. */
    public long awaitListening(Duration timeout) {
        long t0 = System.nanoTime();
        Await.until(timeout, () -> Files.exists(pidFile) || !process.isAlive(), () -> "node did not start: " + tail());
        if (!process.isAlive()) {
            throw new IllegalStateException("node exited with " + process.exitValue() + ": " + tail());
        }
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    }

    /** SIGKILL: no GOODBYE, no shutdown hook; the kernel closes what the process held. Returns the exit code. */
    public int kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException("node did not die within 10 s of SIGKILL");
        }
        return process.exitValue();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** For each peer the node {@code self} is connected to, its end of the connection, over JMX. */
    public Map<NodeAddress, End> connections(NodeAddress self) throws Exception {
        JMXServiceURL url = new JMXServiceURL("service:jmx:rmi:///jndi/rmi://127.0.0.1:" + jmxPort + "/jmxrmi");
        Map<NodeAddress, End> out = new HashMap<>();
        try (JMXConnector c = JMXConnectorFactory.connect(url)) {
            MBeanServerConnection mbs = c.getMBeanServerConnection();
            for (String p : (String[]) mbs.getAttribute(JmxNames.pool(self), "ConnectedPeers")) {
                NodeAddress peer = NodeAddress.parse(p);
                ObjectName bean = JmxNames.peer(self, peer);
                out.put(peer, new End((String) mbs.getAttribute(bean, "LocalSocket"),
                        (String) mbs.getAttribute(bean, "RemoteSocket"), (String) mbs.getAttribute(bean, "Direction")));
            }
        }
        return out;
    }

    /** An attribute of the Peer bean of {@code peer} on the node {@code self}, over JMX. */
    public Object peerAttribute(NodeAddress self, NodeAddress peer, String attribute) throws Exception {
        JMXServiceURL url = new JMXServiceURL("service:jmx:rmi:///jndi/rmi://127.0.0.1:" + jmxPort + "/jmxrmi");
        try (JMXConnector c = JMXConnectorFactory.connect(url)) {
            return c.getMBeanServerConnection().getAttribute(JmxNames.peer(self, peer), attribute);
        }
    }

    /** A remote JMX connection to the node, for a caller that reads it often; the caller closes it. */
    public JMXConnector jmx() throws IOException {
        return JMXConnectorFactory.connect(
                new JMXServiceURL("service:jmx:rmi:///jndi/rmi://127.0.0.1:" + jmxPort + "/jmxrmi"));
    }

    /** The last lines of the node's log. */
    public String tail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private static int freeLoopbackPort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(TestNet.ip(1), 0));
            return s.getLocalPort();
        }
    }
}
