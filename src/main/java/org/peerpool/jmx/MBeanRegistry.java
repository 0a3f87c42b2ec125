package org.peerpool.jmx;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.Set;

import javax.management.InstanceNotFoundException;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place peerpool registers and unregisters MBeans, keyed by ObjectName. It
 * remembers what it registered, so it only ever removes its own beans (never one that
 * another node or tool put under the same name) and can remove them all at close.
 * Monitoring must never cost a connection: every JMX failure is logged at WARN and
 * swallowed. After {@link #close()} nothing more is registered.
 */
final class MBeanRegistry {

    private static final Logger log = LoggerFactory.getLogger(MBeanRegistry.class);

    private final MBeanServer server;
    private final Set<ObjectName> registered = new LinkedHashSet<>();
    private boolean closed;

    MBeanRegistry(MBeanServer server) {
        this.server = server;
    }

    /** Registers {@code mbean} as {@code name}; false (and a WARN) if JMX refused it. */
    synchronized boolean register(ObjectName name, Object mbean) {
        if (closed) {
            return false;
        }
        try {
            server.registerMBean(mbean, name);
            registered.add(name);
            return true;
        } catch (JMException | RuntimeException e) {
            // MBeanServers also fail unchecked (RuntimeOperationsException, SecurityException).
            log.warn("Cannot register MBean {}: {}; the node runs on without it", name, e.toString());
            return false;
        }
    }

    /** Unregisters {@code name} if this registry registered it. */
    synchronized void unregister(ObjectName name) {
        if (!registered.remove(name)) {
            return;
        }
        try {
            server.unregisterMBean(name);
        } catch (InstanceNotFoundException e) {
            log.debug("MBean {} was already unregistered by someone else", name);
        } catch (JMException | RuntimeException e) {
            log.warn("Cannot unregister MBean {}: {}", name, e.toString());
        }
    }

    /** Unregisters everything this registry registered and refuses further registrations. */
    synchronized void close() {
        closed = true;
        for (ObjectName name : new ArrayList<>(registered)) {
            unregister(name);
        }
    }
}
