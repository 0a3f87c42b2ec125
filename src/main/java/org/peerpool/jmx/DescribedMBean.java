package org.peerpool.jmx;

import javax.management.AttributeList;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanInfo;
import javax.management.MBeanOperationInfo;
import javax.management.MBeanParameterInfo;
import javax.management.StandardMBean;

/**
 * An MXBean whose MBeanInfo carries the {@code @Description} and {@code @Name} texts of
 * its interface, so JConsole shows what each attribute means and real parameter names
 * instead of {@code p0}. For beans that emit notifications see
 * {@link DescribedEmitterMBean}.
 */
final class DescribedMBean extends StandardMBean {

    <T> DescribedMBean(T implementation, Class<T> mxbeanInterface) {
        super(implementation, mxbeanInterface, true);
    }

    @Override
    public AttributeList getAttributes(String[] attributes) {
        if (getImplementation() instanceof BatchReads batch) {
            return batch.together(() -> super.getAttributes(attributes));
        }
        return super.getAttributes(attributes);
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
