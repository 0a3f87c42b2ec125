package org.peerpool.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.MBeanServerFactory;
import javax.management.ObjectName;

import org.peerpool.Agent;
import org.peerpool.config.ConfigException;
import org.peerpool.config.ConfigWatcher;
import org.peerpool.jmx.JmxNames;
import org.peerpool.wire.Message;
import org.peerpool.wire.NodeAddress;

/**
 * Nodes driven only through their outside contract (DESIGN.md A2, A3): each node
 * 127.0.0.i has its own directory with a watched {@code peerpool.ini} and its
 * {@code node.p12} beside it, and is read through its MBeans by attribute name, in one
 * private MBeanServer, so the tests need no project interface beyond {@link Agent}.
 */
public final class TlsNodes implements AutoCloseable {

    public static final String KEYSTORE = "node.p12";

    public final MBeanServer server = MBeanServerFactory.newMBeanServer();
    public final int port;
    private final Path dir;
    private final Map<Integer, Agent> agents = new LinkedHashMap<>();

    /** Nodes on 127.0.0.x:{@code port}, their files under {@code dir}. */
    public TlsNodes(Path dir, int port) {
        this.dir = dir;
        this.port = port;
    }

    public NodeAddress address(int i) {
        return TestNet.address(i, port);
    }

    public Path dirOf(int i) {
        try {
            return Files.createDirectories(dir.resolve("node" + i));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public Path ini(int i) {
        return dirOf(i).resolve("peerpool.ini");
    }

    public Path keystore(int i) {
        return dirOf(i).resolve(KEYSTORE);
    }

    /** Puts {@code key} where node i's INI names it ({@value #KEYSTORE}), overwriting in place. */
    public void installKey(int i, Keys.Key key) throws IOException {
        key.copyTo(keystore(i));
    }

    /** Saves node i's INI the way most editors do (truncate, then write). */
    public void save(int i, Text text) throws IOException {
        Ini.writeInPlace(ini(i), text.toString());
    }

    /** Creates node i on its INI (loaded and watched as {@code main} does) and opens its listener. */
    public Agent listen(int i) throws IOException, ConfigException {
        return listen(i, 1);
    }

    /** As {@link #listen(int)}, with {@code ioThreads} I/O threads. */
    public Agent listen(int i, int ioThreads) throws IOException, ConfigException {
        Agent a = Agent.builder(ConfigWatcher.load(ini(i))).ioThreads(ioThreads).mbeanServer(server).build();
        agents.put(i, a);
        a.listen();
        return a;
    }

    /** Listens on every node first, then starts them all, so first dials find their peers up. */
    public List<Agent> startAll(int... nodes) throws IOException, ConfigException {
        List<Agent> out = new ArrayList<>();
        for (int i : nodes) {
            out.add(listen(i));
        }
        for (Agent a : out) {
            a.start();
        }
        return out;
    }

    public Agent agent(int i) {
        return agents.get(i);
    }

    public List<Agent> agents() {
        return List.copyOf(agents.values());
    }

    /** Stops node i (a restart follows with {@link #listen}). */
    public void stop(int i) {
        Agent a = agents.remove(i);
        if (a != null) {
            a.stop();

        }
    }

    /**
     * One TLS handshake with node i (which must take TLS) from an unlisted address, then
     * a HANDSHAKE it refuses as {@code unknown peer}. The first TLS handshake in a JVM
     * loads and initialises much of JSSE, which on a loaded 2-core machine takes over a
     * second; a test that times a later step does this first so it times the node, not
     * the JVM's start-up. Returns the node's answer.
     */
    public Message warmUpTls(int i, Keys.Key anyKey) throws IOException {
        try (TlsWire.Client c = TlsWire.connect(TestNet.ip(250), address(i), anyKey)) {
            return c.handshakeAs(TestNet.address(250, port));
        }
    }

    // --- JMX, by attribute name ---------------------------------------------------

    public Object attr(ObjectName name, String attribute) {
        try {
            return server.getAttribute(name, attribute);
        } catch (JMException e) {
            throw new IllegalStateException(name + " " + attribute + ": " + e, e);
        }
    }

    public Object pool(int i, String attribute) {
        return attr(JmxNames.pool(address(i)), attribute);
    }

    public Object peer(int i, int j, String attribute) {
        return attr(JmxNames.peer(address(i), address(j)), attribute);
    }

    /** Whether node i has a Peer bean for j: an unlisted peer's bean is registered just after it connects. */
    public boolean hasPeerBean(int i, int j) {
        return server.isRegistered(JmxNames.peer(address(i), address(j)));
    }

    public Object config(int i, String attribute) {
        return attr(JmxNames.config(address(i)), attribute);
    }

    public long reloads(int i) {
        return (Long) config(i, "ReloadCount");
    }

    public long rejections(int i) {
        return (Long) config(i, "RejectedCount");
    }

    /** Node i's ConnectionId for its connection with j (0 when none), from its Peer bean. */
    public long connectionId(int i, int j) {
        return (Long) peer(i, j, "ConnectionId");
    }

    /**
     * Every end of every connection among {@code nodes}: "i>j" (node i's view of j) to its
     * ConnectionId. A connection that re-forms gets new ids at both ends.
     */
    public Map<String, Long> ids(int... nodes) {
        Map<String, Long> out = new LinkedHashMap<>();
        for (int i : nodes) {
            for (int j : nodes) {
                if (i != j) {
                    out.put(i + ">" + j, connectionId(i, j));
                }
            }
        }
        return out;
    }

    /** True when each of {@code nodes} is connected to exactly all the others. */
    public boolean whole(int... nodes) {
        for (int i : nodes) {
            Agent a = agents.get(i);
            if (a == null || a.pool().connectionCount() != nodes.length - 1) {
                return false;
            }
            for (int j : nodes) {
                if (i != j && !a.pool().isConnected(address(j))) {
                    return false;
                }
            }
        }
        return true;
    }

    /** True when nodes i and j each hold a connection with the other (whatever else they hold). */
    public boolean linked(int i, int j) {
        Agent a = agents.get(i);
        Agent b = agents.get(j);
        return a != null && b != null && a.pool().isConnected(address(j)) && b.pool().isConnected(address(i));
    }

    public void awaitWhole(Duration within, int... nodes) {
        Await.until(within, () -> whole(nodes), () -> "mesh not whole: " + counts(nodes));
    }

    public String counts(int... nodes) {
        StringBuilder b = new StringBuilder();
        for (int i : nodes) {
            Agent a = agents.get(i);
            b.append(i).append('=').append(a == null ? "down" : a.pool().connectedPeers()).append(' ');
        }
        return b.toString();
    }

    /** Waits until node i has applied one more reload than {@code before}. */
    public void awaitReload(int i, long before, Duration within) {
        Await.until(within, () -> reloads(i) > before,
                () -> "node " + i + " did not reload: ReloadCount " + reloads(i) + ", LastError " + config(i, "LastError"));
    }

    @Override
    public void close() {
        agents.values().forEach(Agent::stop);
        agents.clear();
    }

    /** A node's INI text, section by section, the way an operator would write it. */
    public static final class Text {
        private final NodeAddress self;
        private final List<String> peers = new ArrayList<>();
        private final List<String> connection = new ArrayList<>(List.of(
                "reconnect_min_ms = 100", "reconnect_max_ms = 1000", "handshake_timeout_ms = 2000"));
        private final List<String> security = new ArrayList<>();
        private final List<String> tls = new ArrayList<>();

        public Text(NodeAddress self) {
            this.self = self;
        }

        /** A peer line: the address, then its pins (none: unpinned). */
        public Text peer(NodeAddress peer, String... pins) {
            peers.add("peer = " + peer + (pins.length == 0 ? "" : " " + String.join(" ", pins)));
            return this;
        }

        /** A {@code [connection]} line, replacing the default of the same key if there is one. */
        public Text connection(String line) {
            String key = line.split("=")[0].trim();
            connection.removeIf(l -> l.split("=")[0].trim().equals(key));
            connection.add(line);
            return this;
        }

        public Text security(String line) {
            security.add(line);
            return this;
        }

        /** {@code [tls]} with {@code mode} and this node's {@value #KEYSTORE} and its password. */
        public Text tls(String mode) {
            return tls(mode, KEYSTORE, Keys.PASSWORD);
        }

        public Text tls(String mode, String keystore, String password) {
            tls.clear();
            if (mode != null) {
                tls.add("mode = " + mode);
            }
            if (keystore != null) {
                tls.add("keystore = " + keystore);
            }
            if (password != null) {
                tls.add("keystore_password = " + password);
            }
            return this;
        }

        @Override
        public String toString() {
            StringBuilder b = new StringBuilder("; written by a TLS test\n[network]\n");
            b.append("local_ip = ").append(NodeAddress.ipText(self.ip())).append('\n');
            b.append("port = ").append(self.port()).append('\n');
            peers.forEach(p -> b.append(p).append('\n'));
            b.append("[connection]\n");
            connection.forEach(l -> b.append(l).append('\n'));
            if (!security.isEmpty()) {
                b.append("[security]\n");
                security.forEach(l -> b.append(l).append('\n'));
            }
            if (!tls.isEmpty()) {
                b.append("[tls]\n");
                tls.forEach(l -> b.append(l).append('\n'));
            }
            return b.toString();
        }
    }
}
