package org.peerpool.jmx;

import javax.management.MBeanAttributeInfo;
import javax.management.MBeanInfo;
import javax.management.MBeanOperationInfo;
import javax.management.MBeanParameterInfo;
import javax.management.NotificationEmitter;
import javax.management.StandardEmitterMBean;

/**
 * {@link DescribedMBean} for an MXBean that also emits notifications: the
 * notifications, and their descriptions, are those of {@code emitter}. A separate
 * class because the JDK's emitting wrapper is a separate subclass of
 * {@code StandardMBean}.
 */
final class DescribedEmitterMBean extends StandardEmitterMBean {

    <T> DescribedEmitterMBean(T implementation, Class<T> mxbeanInterface, NotificationEmitter emitter) {
        super(implementation, mxbeanInterface, true, emitter);
    }

    @Override
    protected String getDescription(MBeanInfo info) {
        return Descriptions.ofType(getMBeanInterface(), super.getDescription(info));
    }

    @Override
    protected String getDescription(MBeanAttributeInfo info) {
        return Descriptions.ofAttribute(getMBeanInterface(), info, super.getDescription(info));
    }

    @Override
    protected String getDescription(MBeanOperationInfo info) {
        return Descriptions.ofOperation(getMBeanInterface(), info, super.getDescription(info));
    }

    @Override
    protected String getDescription(MBeanOperationInfo op, MBeanParameterInfo param, int sequence) {
        return Descriptions.ofParameter(getMBeanInterface(), op, sequence, super.getDescription(op, param, sequence));
    }

    @Override
    protected String getParameterName(MBeanOperationInfo op, MBeanParameterInfo param, int sequence) {
        return Descriptions.parameterName(getMBeanInterface(), op, sequence, super.getParameterName(op, param, sequence));
    }
}
