package org.peerpool;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The name of an MXBean operation parameter as JConsole shows it. Java does not keep
 * parameter names for the JMX introspector, which would otherwise call them
 * {@code p0}, {@code p1}, ...
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.PARAMETER)
public @interface Name {
    String value();
}
