package org.peerpool.jmx;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

import javax.management.MBeanNotificationInfo;
import javax.management.Notification;
import javax.management.NotificationBroadcasterSupport;
import javax.management.ObjectName;

import org.peerpool.ConnectionPoolMXBean;
import org.peerpool.MeshListener;
import org.peerpool.PeerEvent;
import org.peerpool.PeerListener;

/**
 * Turns the pool's peer events into the ConnectionPool bean's notifications: the
 * type says what happened, the user data is the peer's address and the message reads
 * {@code "127.0.0.2:7100 disconnected: peer said goodbye: shutting down"}. Sent on
 * the pool's event thread, so sequence numbers follow the events' order.
 */
final class PeerNotifier extends NotificationBroadcasterSupport implements PeerListener, MeshListener {

    private static final String USER_DATA = " User data: the peer's address (IP:PORT).";

    private final ObjectName source;
    private final AtomicLong sequence = new AtomicLong();

    PeerNotifier(ObjectName source) {
        super(
                info(ConnectionPoolMXBean.PEER_CONNECTED,
                        "A peer's connection completed its handshake; the message ends with its direction."),
                info(ConnectionPoolMXBean.PEER_DISCONNECTED,
                        "A peer's connection ended; the message ends with the reason (GOODBYE received, idle timeout,"
                                + " I/O error, superseded, removed from peer list, ...)."),
                info(ConnectionPoolMXBean.PEER_ADDED,
                        "A peer joined the pool: added to the peer list, or an unlisted peer admitted."),
                info(ConnectionPoolMXBean.PEER_REMOVED,
                        "A peer left the pool: removed from the peer list, or an unlisted peer disconnected."),
                new MBeanNotificationInfo(new String[] {ConnectionPoolMXBean.MESH_CHANGED}, Notification.class.getName(),
                        "The set of missing pairs of the mesh changed (MeshMissingPairs). User data: the new set,"
                                + " a String[] of 'A B'; empty when the mesh is whole."));
        this.source = source;
    }

    private static MBeanNotificationInfo info(String type, String description) {
        return new MBeanNotificationInfo(new String[] {type}, Notification.class.getName(), description + USER_DATA);
    }

    @Override
    public void onPeerEvent(PeerEvent e) {
        String type = switch (e.kind()) {
            case ADDED -> ConnectionPoolMXBean.PEER_ADDED;
            case CONNECTED -> ConnectionPoolMXBean.PEER_CONNECTED;
            case DISCONNECTED -> ConnectionPoolMXBean.PEER_DISCONNECTED;
            case REMOVED -> ConnectionPoolMXBean.PEER_REMOVED;
        };
        String what = e.kind() == PeerEvent.Kind.CONNECTED ? String.valueOf(e.direction()) : e.reason();
        Notification n = new Notification(type, source, sequence.incrementAndGet(), e.at().toEpochMilli(),
                e.peer() + " " + e.kind().name().toLowerCase(Locale.ROOT) + ": " + what);
        n.setUserData(e.peer().toString());
        sendNotification(n);
    }

    @Override
    public void onMeshChanged(List<String> missingPairs) {
        Notification n = new Notification(ConnectionPoolMXBean.MESH_CHANGED, source, sequence.incrementAndGet(),
                System.currentTimeMillis(), missingPairs.isEmpty() ? "mesh whole"
                        : missingPairs.size() + " pair(s) missing: " + String.join(", ", missingPairs));
        n.setUserData(missingPairs.toArray(new String[0]));
        sendNotification(n);
    }
}
