package org.peerpool.jmx;

import org.peerpool.ConfigMXBean;
import org.peerpool.config.ConfigControl;
import org.peerpool.config.ConfigStatus;

/** {@link ConfigMXBean} over the config watcher's current {@link ConfigStatus}. */
final class ConfigBean implements ConfigMXBean {

    private final ConfigControl control;

    ConfigBean(ConfigControl control) {
        this.control = control;
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
