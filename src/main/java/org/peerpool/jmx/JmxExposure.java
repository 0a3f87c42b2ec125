package org.peerpool.jmx;

import java.util.Objects;

import javax.management.MBeanServer;

import org.peerpool.ConfigMXBean;
import org.peerpool.ConnectionPoolMXBean;
import org.peerpool.config.ConfigControl;
import org.peerpool.PeerControl;
import org.peerpool.PoolView;
import org.peerpool.sources.SourcesView;
import org.peerpool.wire.NodeAddress;

/**
 * The JMX beans of one node, from {@link #expose} until {@link #close}: the
 * ConnectionPool bean, one Peer bean per pool entry (following the entries as they
 * come and go) and, when given a config source, the Config bean. The {@code node} key
 * of every name is the node's address at the time of exposure. JMX failures are
 * logged at WARN and never reach the pool.
 */
public final class JmxExposure implements AutoCloseable {

    private final PoolView pool;
    private final ConfigControl config;
    private final MBeanRegistry registry;
    private final PeerNotifier peerNotifier;
    private final PeerBeans peerBeans;
    private final ConfigNotifier configNotifier;

    private JmxExposure(MBeanServer server, PoolView pool, PeerControl control, ConfigControl config,
                        SourcesView sources) {
        NodeAddress node = pool.self();
        this.pool = pool;
        this.config = config;
        this.registry = new MBeanRegistry(server);
        PeerOperations operations = new PeerOperations(pool, control);
        this.peerNotifier = new PeerNotifier(JmxNames.pool(node));
        this.peerBeans = new PeerBeans(pool, node, registry, operations, sources);
        this.configNotifier = config == null ? null : new ConfigNotifier(JmxNames.config(node));

        registry.register(JmxNames.pool(node), new DescribedEmitterMBean(
                new ConnectionPoolBean(pool, operations, sources), ConnectionPoolMXBean.class, peerNotifier));
        pool.addPeerListener(peerNotifier);
        pool.addMeshListener(peerNotifier);
        pool.addPeerListener(peerBeans);
        peerBeans.registerExisting();
        if (config != null) {
            registry.register(JmxNames.config(node), new DescribedEmitterMBean(
                    new ConfigBean(config, sources), ConfigMXBean.class, configNotifier));
            config.addListener(configNotifier);
        }
    }

    /**
     * Registers {@code pool}'s beans (and the Config bean over {@code configOrNull}, if
     * not null) in {@code server} and keeps the Peer beans in step with the pool until
     * closed. Expose before {@link ConnectionPool#open()} to see every peer from its start;
     * peers that already exist are registered too.
     */
    public static JmxExposure expose(MBeanServer server, PoolView pool, PeerControl control,
                                     ConfigControl configOrNull) {
        return expose(server, pool, control, configOrNull, SourcesView.NONE);
    }

    /** As {@link #expose(MBeanServer, PoolView, PeerControl, ConfigControl)}, showing {@code sources} too. */
    public static JmxExposure expose(MBeanServer server, PoolView pool, PeerControl control,
                                     ConfigControl configOrNull, SourcesView sources) {
        return new JmxExposure(Objects.requireNonNull(server, "server"), Objects.requireNonNull(pool, "pool"),
                Objects.requireNonNull(control, "control"),
                configOrNull, Objects.requireNonNull(sources, "sources"));
    }

    /**
     * Stops following the pool and the config and unregisters every bean of this
     * exposure. Idempotent, and safe while events are still in flight: once closed,
     * nothing more is registered.
     */
    @Override
    public void close() {
        pool.removePeerListener(peerBeans);
        pool.removePeerListener(peerNotifier);
        pool.removeMeshListener(peerNotifier);
        if (config != null) {
            config.removeListener(configNotifier);
        }
        registry.close();
    }
}
