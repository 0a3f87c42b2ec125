package org.peerpool.jmx;

import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;

import org.peerpool.wire.NodeAddress;

/**
 * The ObjectNames of DESIGN.md A3. The {@code node} and {@code peer} keys are
 * addresses quoted with {@link ObjectName#quote}, so an IPv6 address is a legal value
 * and several nodes can live in one JVM; keys are written type first so JConsole
 * groups the tree by bean kind, then node.
 */
public final class JmxNames {

    public static final String DOMAIN = "peerpool";

    private JmxNames() {
    }

    /** {@code peerpool:type=ConnectionPool,node="IP:PORT"} */
    public static ObjectName pool(NodeAddress node) {
        return name("type=ConnectionPool,node=" + quote(node));
    }

    /** {@code peerpool:type=Peer,node="IP:PORT",peer="IP:PORT"} */
    public static ObjectName peer(NodeAddress node, NodeAddress peer) {
        return name("type=Peer,node=" + quote(node) + ",peer=" + quote(peer));
    }

    /** {@code peerpool:type=Config,node="IP:PORT"} */
    public static ObjectName config(NodeAddress node) {
        return name("type=Config,node=" + quote(node));
    }

    private static String quote(NodeAddress a) {
        return ObjectName.quote(a.toString());
    }

    private static ObjectName name(String keys) {
        try {
            return new ObjectName(DOMAIN + ":" + keys);
        } catch (MalformedObjectNameException e) {
            // Every value is quoted, so this would be a bug here, not bad input.
            throw new IllegalStateException("bad ObjectName " + DOMAIN + ":" + keys, e);
        }
    }
}
