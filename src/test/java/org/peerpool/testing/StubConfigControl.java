package org.peerpool.testing;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.peerpool.config.ConfigControl;
import org.peerpool.config.ConfigListener;
import org.peerpool.config.ConfigStatus;
import org.peerpool.config.NodeConfig;

/**
 * A config source driven by the test: it holds a status, and {@link #reload} or
 * {@link #reject} change it and tell the listeners as the real watcher would.
 * {@link #reloadNow()} applies whatever {@link #onReloadNow} was last set to.
 */
public final class StubConfigControl implements ConfigControl {

    /** What the next {@link #reloadNow()} finds in the file. */
    public sealed interface Outcome permits Unchanged, Valid, Invalid { }
    public record Unchanged() implements Outcome { }
    public record Valid(NodeConfig config) implements Outcome { }
    public record Invalid(String error) implements Outcome { }

    private final List<ConfigListener> listeners = new CopyOnWriteArrayList<>();
    private volatile ConfigStatus status;
    private volatile Outcome next = new Unchanged();

    public StubConfigControl(Path file, NodeConfig config) {
        status = new ConfigStatus(file, config, Instant.now(), 0, 0, "");
    }

    public void onReloadNow(Outcome outcome) {
        next = outcome;
    }

    /** A valid new file: the new snapshot is in force and listeners hear of it. */
    public void reload(NodeConfig config) {
        ConfigStatus before = status;
        status = new ConfigStatus(before.file(), config, Instant.now(), before.reloadCount() + 1,
                before.rejectedCount(), "");
        listeners.forEach(l -> l.onReloaded(before.config(), status));
    }

    /** A broken new file: the old snapshot stays, the error is recorded and told. */
    public void reject(String error) {
        ConfigStatus before = status;
        status = new ConfigStatus(before.file(), before.config(), before.loadedAt(), before.reloadCount(),
                before.rejectedCount() + 1, error);
        listeners.forEach(l -> l.onRejected(error, status));
    }

    public List<ConfigListener> listeners() {
        return List.copyOf(listeners);
    }

    @Override
    public ConfigStatus status() {
        return status;
    }

    @Override
    public boolean reloadNow() {
        Outcome o = next;
        if (o instanceof Valid v) {
            reload(v.config());
            return true;
        }
        if (o instanceof Invalid i) {
            reject(i.error());
        }
        return false;
    }

    @Override
    public void addListener(ConfigListener listener) {
        listeners.add(listener);
    }

    @Override
    public void removeListener(ConfigListener listener) {
        listeners.remove(listener);
    }
}
