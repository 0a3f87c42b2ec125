package org.peerpool.jmx;

import org.peerpool.ConfigMXBean;
import org.peerpool.config.ConfigControl;
import org.peerpool.config.ConfigStatus;
import org.peerpool.sources.SourcesView;

/** {@link ConfigMXBean} over the config watcher's current {@link ConfigStatus} and the peer sources' problems. */
final class ConfigBean implements ConfigMXBean {

    private final ConfigControl control;
    private final SourcesView sources;

    ConfigBean(ConfigControl control, SourcesView sources) {
        this.control = control;
        this.sources = sources;
    }

    @Override
    public String getFile() {
        return OpenValues.text(control.status().file());
    }

    @Override
    public String getLoadedAt() {
        return OpenValues.iso(control.status().loadedAt());
    }

    @Override
    public long getReloadCount() {
        return control.status().reloadCount();
    }

    @Override
    public long getRejectedCount() {
        return control.status().rejectedCount();
    }

    @Override
    public String getLastError() {
        return OpenValues.text(control.status().lastError());
    }

    @Override
    public String getLocalAddress() {
        return control.status().config().self().toString();
    }

    @Override
    public String[] getPeers() {
        return OpenValues.addresses(control.status().config().peers());
    }

    @Override
    public String[] getSourceErrors() {
        return sources.errors().toArray(String[]::new);
    }

    @Override
    public String reload() {
        if (control.reloadNow()) {
            return "Reloaded " + getFile();
        }
        // A rejection stands until the file changes: asking again must not answer "unchanged".
        ConfigStatus after = control.status();
        return after.lastError().isEmpty()
                ? "Unchanged: " + getFile() + " holds the configuration in force"
                : "Rejected; the previous configuration stays in force: " + after.lastError();
    }
}
