package org.peerpool.jmx;

import java.util.concurrent.atomic.AtomicLong;

import javax.management.MBeanNotificationInfo;
import javax.management.Notification;
import javax.management.NotificationBroadcasterSupport;
import javax.management.ObjectName;

import org.peerpool.ConfigMXBean;
import org.peerpool.config.ConfigListener;
import org.peerpool.config.ConfigStatus;
import org.peerpool.config.NodeConfig;

/**
 * Turns the config watcher's reload outcomes into the Config bean's notifications,
 * with the file's path as user data and, for a rejection, the error as the message.
 */
final class ConfigNotifier extends NotificationBroadcasterSupport implements ConfigListener {

    private static final String USER_DATA = " User data: the configuration file's path.";

    private final ObjectName source;
    private final AtomicLong sequence = new AtomicLong();

    ConfigNotifier(ObjectName source) {
        super(
                info(ConfigMXBean.CONFIG_RELOADED, "A changed configuration file was loaded and applied."),
                info(ConfigMXBean.CONFIG_REJECTED, "A changed configuration file was rejected as a whole and the"
                        + " previous configuration stays in force; the message says what is wrong."));
        this.source = source;
    }

    private static MBeanNotificationInfo info(String type, String description) {
        return new MBeanNotificationInfo(new String[] {type}, Notification.class.getName(), description + USER_DATA);
    }

    @Override
    public void onReloaded(NodeConfig previous, ConfigStatus status) {
        send(ConfigMXBean.CONFIG_RELOADED, status, "Reloaded " + status.file() + " (reload "
                + status.reloadCount() + ", " + status.config().peers().size() + " peers)");
    }

    @Override
    public void onRejected(String error, ConfigStatus status) {
        send(ConfigMXBean.CONFIG_REJECTED, status, error);
    }

    private void send(String type, ConfigStatus status, String message) {
        Notification n = new Notification(type, source, sequence.incrementAndGet(), System.currentTimeMillis(), message);
        n.setUserData(OpenValues.text(status.file()));
        sendNotification(n);
    }
}
