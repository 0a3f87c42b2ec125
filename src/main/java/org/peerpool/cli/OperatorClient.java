package org.peerpool.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import javax.management.Attribute;
import javax.management.JMException;
import javax.management.MBeanException;
import javax.management.MBeanServerConnection;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;
import javax.management.RuntimeMBeanException;
import javax.management.openmbean.CompositeData;
import javax.management.openmbean.TabularData;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

import com.sun.tools.attach.AttachNotSupportedException;
import com.sun.tools.attach.VirtualMachine;

import org.peerpool.wire.NodeAddress;

/**
 * A JMX connection to one running node, for the operator commands and the demo's
 * table: by the JDK's local attach to its pid (starting the node's local management
 * agent if it is not running yet, so no JMX port is needed), or over a remote JMX
 * port. It reads the beans of DESIGN.md A3 by attribute name only, the way JConsole
 * does, and skips attributes the node does not have (an older build, or one without
 * TLS), so it needs no project class on the other side.
 */
final class OperatorClient implements AutoCloseable {

    /** The node cannot be reached; {@link #exitCode()} says whether it runs at all. */
    static final class Unreachable extends Exception {
        private final boolean running;

        Unreachable(String message, boolean running, Throwable cause) {
            super(message, cause);
            this.running = running;
        }

        int exitCode() {
            return running ? Ctl.EXIT_REFUSED : Ctl.EXIT_NOT_RUNNING;
        }
    }

    /** The node answered an operation with an error (an unknown peer, a malformed address). */
    static final class Refused extends Exception {
        Refused(String message) {
            super(message);
        }
    }

    private final JMXConnector connector;
    private final MBeanServerConnection mbs;
    private final String target;

    private OperatorClient(JMXConnector connector, String target) throws IOException {
        this.connector = connector;
        this.mbs = connector.getMBeanServerConnection();
        this.target = target;
    }

    /** Attaches to the JVM with this pid (same user) and connects to its local management agent. */
    static OperatorClient attach(long pid) throws Unreachable {
        String address;
        try {
            VirtualMachine vm = VirtualMachine.attach(String.valueOf(pid));
            try {
                address = vm.startLocalManagementAgent();
            } finally {
                vm.detach();
            }
        } catch (AttachNotSupportedException | IOException | RuntimeException e) {
            boolean alive = ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
            throw new Unreachable("cannot attach to pid " + pid + (alive ? "" : ", which no longer runs") + ": "
                    + message(e), alive, e);
        }
        return connect(address, "pid " + pid, Map.of());
    }

    /**
     * A remote JMX port as operators name it: {@code HOST:PORT}, or {@code HOST:PORT@FILE}
     * to log in with the first {@code role password} line of FILE (as in a clear-text
     * {@code jmxremote.password}; the node's own file holds only hashes once read).
     */
    record Target(String hostPort, Path loginFile) {
        static Target parse(String text) {
            int at = text.indexOf('@');
            return at < 0 ? new Target(text, null) : new Target(text.substring(0, at), Path.of(text.substring(at + 1)));
        }
    }

    /** Connects over remote JMX to {@code target} (a demo node's port, or one given with --jmx). */
    static OperatorClient remote(Target target) throws Unreachable {
        Map<String, Object> env = new HashMap<>();
        if (target.loginFile() != null) {
            try {
                env.put(JMXConnector.CREDENTIALS, credentials(target.loginFile()));
            } catch (IOException e) {
                throw new Unreachable("cannot read the JMX login file " + target.loginFile() + ": " + message(e),
                        false, e);
            }
        }
        return connect("service:jmx:rmi:///jndi/rmi://" + target.hostPort() + "/jmxrmi", "JMX " + target.hostPort(),
                env);
    }

    /** The first {@code role password} line of a login file. */
    static String[] credentials(Path loginFile) throws IOException {
        for (String line : Files.readAllLines(loginFile)) {
            String[] words = line.strip().split("\\s+");
            if (words.length >= 2 && !words[0].startsWith("#")) {
                return new String[] {words[0], words[1]};
            }
        }
        throw new IOException("no 'role password' line");
    }

    private static OperatorClient connect(String url, String target, Map<String, Object> env) throws Unreachable {
        try {
            return new OperatorClient(JMXConnectorFactory.connect(new JMXServiceURL(url), env), target);
        } catch (IOException | RuntimeException e) {
            throw new Unreachable("cannot connect to " + target + ": " + message(e), false, e);
        }
    }

    /** What this client is connected to, for messages. */
    String target() {
        return target;
    }

    /** The node's ConnectionPool bean (the one with the lowest name, should a JVM hold several nodes). */
    ObjectName pool() throws IOException, Refused {
        Set<ObjectName> pools = new TreeSet<>(mbs.queryNames(name("peerpool:type=ConnectionPool,*"), null));
        if (pools.isEmpty()) {
            throw new Refused(target + " has no peerpool:type=ConnectionPool bean (not a peerpool node?)");
        }
        return pools.iterator().next();
    }

    /** The Config bean of the node {@code pool} belongs to, or null if it has none. */
    ObjectName config(ObjectName pool) throws IOException {
        ObjectName n = name("peerpool:type=Config,node=" + pool.getKeyProperty("node"));
        return mbs.isRegistered(n) ? n : null;
    }

    /** The Peer beans of the node {@code pool} belongs to, in address order. */
    List<ObjectName> peers(ObjectName pool) throws IOException {
        List<ObjectName> out = new ArrayList<>(mbs.queryNames(
                name("peerpool:type=Peer,node=" + pool.getKeyProperty("node") + ",*"), null));
        out.sort(Comparator.comparing(OperatorClient::peerAddress));
        return out;
    }

    private static NodeAddress peerAddress(ObjectName peer) {
        return NodeAddress.parse(ObjectName.unquote(peer.getKeyProperty("peer")));
    }

    /**
     * The named attributes of {@code bean} that it has, in the order asked, as plain
     * values: String[] as a List, a map (TabularData of key and value) as a Map.
     * An attribute the bean lacks or fails to read is left out.
     */
    Map<String, Object> read(ObjectName bean, String... attributes) throws IOException, JMException {
        Map<String, Object> got = new LinkedHashMap<>();
        for (Attribute a : mbs.getAttributes(bean, attributes).asList()) {
            got.put(a.getName(), plain(a.getValue()));
        }
        Map<String, Object> out = new LinkedHashMap<>();
        for (String name : attributes) {
            if (got.containsKey(name)) {
                out.put(name, got.get(name));
            }
        }
        return out;
    }

    /** Runs a bean operation that takes Strings and returns its answer; an error the node raised is {@link Refused}. */
    Object invoke(ObjectName bean, String operation, String... args) throws IOException, JMException, Refused {
        String[] signature = new String[args.length];
        Arrays.fill(signature, String.class.getName());
        try {
            return mbs.invoke(bean, operation, args, signature);
        } catch (RuntimeMBeanException | MBeanException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new Refused(message(cause));
        }
    }

    static Object plain(Object v) {
        if (v instanceof String[] a) {
            return List.of(a);
        }
        if (v instanceof TabularData t) {
            // Sorted by key: TabularData has no order of its own, and the output should not change between runs.
            Map<String, Object> m = new TreeMap<>();
            for (Object row : t.values()) {
                CompositeData c = (CompositeData) row;
                if (c.containsKey("key") && c.containsKey("value")) {
                    m.put(String.valueOf(c.get("key")), plain(c.get("value")));
                }
            }
            return m;
        }
        return v;
    }

    private static ObjectName name(String text) {
        try {
            return new ObjectName(text);
        } catch (MalformedObjectNameException e) {
            throw new IllegalArgumentException("bad ObjectName " + text, e);
        }
    }

    private static String message(Throwable e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }

    @Override
    public void close() {
        try {
            connector.close();
        } catch (IOException e) {
            // The command's answer is already printed; a failed close changes nothing for the operator.
        }
    }
}
