package org.peerpool.config;

import java.nio.file.Path;

/**
 * A config file that cannot be used: missing, unreadable, not valid INI, or a value
 * that does not validate. The whole file is rejected; {@link #getMessage()} is one
 * line naming the file, the line or key, the value and what was expected, ready to
 * be logged, shown over JMX or printed at start-up.
 */
public class ConfigException extends Exception {

    private static final long serialVersionUID = 1L;

    /** The keystore the rejected file names, so a watcher notices when it is fixed. */
    private final transient Path keystore;

    public ConfigException(String message) {
        this(message, null, null);
    }

    public ConfigException(String message, Throwable cause) {
        this(message, cause, null);
    }

    ConfigException(String message, Throwable cause, Path keystore) {
        super(message, cause);
        this.keystore = keystore;
    }

    /** The keystore file the rejected config names, or null when it names none (or did not get that far). */
    public Path keystore() {
        return keystore;
    }
}
