package org.peerpool.config;

/**
 * What the rest of the node may ask of the configuration source: its status, a
 * forced check now, and change notifications. The watcher implements it.
 */
public interface ConfigControl {

    ConfigStatus status();

    /** Reads the file now; returns true if a new snapshot was applied. */
    boolean reloadNow();

    void addListener(ConfigListener listener);

    void removeListener(ConfigListener listener);
}
