package org.peerpool.config;

/**
 * Told about every reload attempt of a watched config file. Called on the watcher's
 * thread; an exception thrown here is logged and the watcher carries on.
 */
public interface ConfigListener {

    /** A new, valid snapshot was loaded and should be applied. */
    void onReloaded(NodeConfig previous, ConfigStatus status);

    /** The file changed but was rejected as a whole; the previous snapshot stays in force. */
    void onRejected(String error, ConfigStatus status);
}
