package org.peerpool.testing;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;

/**
 * Collects what one logger writes at WARN and above while it is open, so a test can
 * assert that a failure was reported (and how) without reading the console.
 */
public final class LogCapture extends AbstractAppender implements AutoCloseable {

    private final String loggerName;
    private final List<String> messages = new CopyOnWriteArrayList<>();

    private LogCapture(String loggerName) {
        super("capture-" + loggerName, null, null, true, Property.EMPTY_ARRAY);
        this.loggerName = loggerName;
    }

    /** Starts capturing WARN and ERROR of the logger named after {@code type}. */
    public static LogCapture warnings(Class<?> type) {
        return warnings(type.getName());
    }

    /** Starts capturing WARN and ERROR of the logger named {@code loggerName} (for package-private classes). */
    public static LogCapture warnings(String loggerName) {
        LogCapture c = new LogCapture(loggerName);
        c.start();
        LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
        ctx.getConfiguration().getRootLogger().addAppender(c, Level.WARN, null);
        ctx.updateLoggers();
        return c;
    }

    @Override
    public void append(LogEvent event) {
        if (loggerName.equals(event.getLoggerName())) {
            messages.add(event.getMessage().getFormattedMessage());
        }
    }

    public List<String> messages() {
        return List.copyOf(messages);
    }

    @Override
    public void close() {
        LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
        ctx.getConfiguration().getRootLogger().removeAppender(getName());
        ctx.updateLoggers();
        stop();
    }
}
