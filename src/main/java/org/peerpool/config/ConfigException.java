package org.peerpool.config;

/**
 * A config file that cannot be used: missing, unreadable, not valid INI, or a value
 * that does not validate. The whole file is rejected; {@link #getMessage()} is one
 * line naming the file, the line or key, the value and what was expected, ready to
 * be logged, shown over JMX or printed at start-up.
 */
public class ConfigException extends Exception {

    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
