package org.peerpool.testing;

import java.lang.reflect.Method;

/**
 * Turns a logger off for a test that would otherwise write millions of lines (the
 * simulator), and back on after. Log4j 2 is the tests' backend but only on the runtime
 * class path (the library needs SLF4J alone), hence reflection; without it, nothing.
 */
public final class QuietLogs {

    private QuietLogs() {
    }

    public static void silence(String logger) {
        setLevel(logger, "OFF");
    }

    public static void restore(String logger) {
        setLevel(logger, "INFO");
    }

    private static void setLevel(String logger, String level) {
        try {
            Class<?> levelType = Class.forName("org.apache.logging.log4j.Level");
            Object value = levelType.getMethod("getLevel", String.class).invoke(null, level);
            Class<?> configurator = Class.forName("org.apache.logging.log4j.core.config.Configurator");
            Method set = configurator.getMethod("setLevel", String.class, levelType);
            set.invoke(null, logger, value);
        } catch (ReflectiveOperationException | LinkageError e) {
            // No Log4j 2 core here: the logs go wherever SLF4J sends them.
        }
    }
}
