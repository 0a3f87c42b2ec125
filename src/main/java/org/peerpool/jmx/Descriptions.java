package org.peerpool.jmx;

import java.lang.reflect.Method;
import java.util.Arrays;
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
        return Arrays.stream(intf.getMethods())
                .filter(m -> m.getParameterCount() == 0)
                .filter(m -> m.getName().equals("get" + attribute) || m.getName().equals("is" + attribute))
                .findFirst();
    }

    private static Optional<Method> operation(Class<?> intf, MBeanOperationInfo op) {
        return Arrays.stream(intf.getMethods())
                .filter(m -> m.getName().equals(op.getName()))
                .filter(m -> m.getParameterCount() == op.getSignature().length)
                .findFirst();
    }
}
