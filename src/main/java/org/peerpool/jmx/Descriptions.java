package org.peerpool.jmx;

import java.lang.reflect.Method;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import javax.management.MBeanAttributeInfo;
import javax.management.MBeanOperationInfo;

import org.peerpool.Description;
import org.peerpool.Name;

/**
 * Finds the {@link Description} and {@link Name} written on an MXBean interface for the
 * attribute, operation or parameter the JMX introspector produced, falling back to
 * the introspector's own text when there is none. Operations are matched by name and
 * parameter count: peerpool's MXBean interfaces do not overload.
 */
final class Descriptions {

    private Descriptions() {
    }

    static String ofType(Class<?> intf, String fallback) {
        Description d = intf.getAnnotation(Description.class);
        return d == null ? fallback : d.value();
    }

    static String ofAttribute(Class<?> intf, MBeanAttributeInfo a, String fallback) {
        return getter(intf, a.getName())
                .map(m -> m.getAnnotation(Description.class))
                .map(Description::value)
                .orElse(fallback);
    }

    static String ofOperation(Class<?> intf, MBeanOperationInfo op, String fallback) {
        return operation(intf, op)
                .map(m -> m.getAnnotation(Description.class))
                .map(Description::value)
                .orElse(fallback);
    }

    static String ofParameter(Class<?> intf, MBeanOperationInfo op, int index, String fallback) {
        return operation(intf, op)
                .map(m -> m.getParameters()[index].getAnnotation(Description.class))
                .map(Description::value)
                .orElse(fallback);
    }

    static String parameterName(Class<?> intf, MBeanOperationInfo op, int index, String fallback) {
        return operation(intf, op)
                .map(m -> m.getParameters()[index].getAnnotation(Name.class))
                .map(Name::value)
                .orElse(fallback);
    }

    private static Optional<Method> getter(Class<?> intf, String attribute) {
        return Optional.ofNullable(GETTERS.get(intf).get(attribute));
    }

    private static Optional<Method> operation(Class<?> intf, MBeanOperationInfo op) {
        return Optional.ofNullable(OPERATIONS.get(intf).get(op.getName() + "/" + op.getSignature().length));
    }

    /**
     * Each interface's getters by attribute name and operations by name and arity, found
     * once: a node registers a Peer bean per peer, and asking {@code getMethods()} for
     * every attribute of every bean cost a thousand-peer node a second at start.
     */
    private static final ClassValue<Map<String, Method>> GETTERS = new ClassValue<>() {
        @Override
        protected Map<String, Method> computeValue(Class<?> intf) {
            Map<String, Method> out = new HashMap<>();
            for (Method m : intf.getMethods()) {
                String n = m.getName();
                if (m.getParameterCount() == 0) {
                    if (n.startsWith("get") && n.length() > 3) {
                        out.putIfAbsent(n.substring(3), m);
                    } else if (n.startsWith("is") && n.length() > 2) {
                        out.putIfAbsent(n.substring(2), m);
                    }
                }
            }
            return Map.copyOf(out);
        }
    };

    private static final ClassValue<Map<String, Method>> OPERATIONS = new ClassValue<>() {
        @Override
        protected Map<String, Method> computeValue(Class<?> intf) {
            Map<String, Method> out = new HashMap<>();
            for (Method m : intf.getMethods()) {
                out.putIfAbsent(m.getName() + "/" + m.getParameterCount(), m);
            }
            return Map.copyOf(out);
        }
    };
}
