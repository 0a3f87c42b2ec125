package org.peerpool.pool;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import org.peerpool.PeerEvent;
import org.peerpool.PeerHistory;
import org.peerpool.wire.NodeAddress;

/**
 * Records {@link PeerHistory} from the pool's own event stream. A peer's history
 * outlives its entry (a peer removed from the list and added back keeps its count); the histories of the last {@value #MAX_GONE} removed
 * peers are kept, older ones dropped, so unlisted peers coming and going cannot grow
 * it without bound.
 */
final class PeerHistoryRecorder implements PeerHistory {

    /** Removed peers whose history is still kept. */
    static final int MAX_GONE = 256;
    /** Distinct reason kinds counted; any further kind counts as {@code other}. */
    static final int MAX_REASONS = 64;
    /** Longest reason text kept in a recent entry (a peer chooses its GOODBYE text). */
    private static final int MAX_REASON_CHARS = 200;

    /** GOODBYE reasons of PROTOCOL.md that keep their own kind; any other text a peer sent counts as {@code other}. */
    private static final Set<String> KNOWN_GOODBYES = Set.of("superseded", "removed from peer list", "shutting down",
            "direction changed", "send queue full", "disconnected by operator", "idle timeout", "security changed");
    private static final String GOODBYE = "peer said goodbye: ";

    /** One peer's record: written by the event thread, read by JMX, always under this history's lock. */
    private static final class Track {
        Instant connectedAt;
        boolean connected;
        long disconnects;
        long lastConnectedMillis;
        final Deque<String> recent = new ArrayDeque<>(RECENT);
    }

    private final Map<NodeAddress, Track> tracks = new HashMap<>();
    private final Set<NodeAddress> gone = new LinkedHashSet<>();
    private final Map<String, Long> reasons = new TreeMap<>();
    private long opened;
    private long closed;

    /** Records one peer event; fed by the pool's own event queue, not by callers. */
    synchronized void onPeerEvent(PeerEvent e) {
        switch (e.kind()) {
            case ADDED -> gone.remove(e.peer());
            case REMOVED -> forgetOldest(e.peer());
            case CONNECTED -> {
                Track t = tracks.computeIfAbsent(e.peer(), p -> new Track());
                t.connected = true;
                t.connectedAt = e.at();
                opened++;
            }
            case DISCONNECTED -> {
                Track t = tracks.computeIfAbsent(e.peer(), p -> new Track());
                t.recent.addFirst(entry(e, t.connectedAt));
                if (t.recent.size() > RECENT) {
                    t.recent.removeLast();
                }
                t.connected = false;
                t.connectedAt = null;
                t.disconnects++;
                t.lastConnectedMillis = e.at().toEpochMilli();
                closed++;
                String kind = kind(e.reason());
                reasons.merge(reasons.size() < MAX_REASONS || reasons.containsKey(kind) ? kind : "other", 1L, Long::sum);
            }
            default -> throw new IllegalStateException("unknown event kind " + e.kind());
        }
    }

    private void forgetOldest(NodeAddress removed) {
        gone.add(removed);
        Iterator<NodeAddress> oldest = gone.iterator();
        while (gone.size() > MAX_GONE) {
            tracks.remove(oldest.next());
            oldest.remove();
        }
    }

    /** {@code ISO-time reason (connected N s, DIRECTION)}. */
    private static String entry(PeerEvent e, Instant connectedAt) {
        String reason = e.reason() == null || e.reason().isEmpty() ? "unspecified" : e.reason();
        if (reason.length() > MAX_REASON_CHARS) {
            reason = reason.substring(0, MAX_REASON_CHARS) + "...";
        }
        List<String> detail = new ArrayList<>(2);
        if (connectedAt != null) {
            detail.add("connected " + Duration.between(connectedAt, e.at()).toSeconds() + " s");
        }
        if (e.direction() != null) {
            detail.add(e.direction().name());
        }
        return e.at().truncatedTo(ChronoUnit.MILLIS) + " " + reason
                + (detail.isEmpty() ? "" : " (" + String.join(", ", detail) + ")");
    }

    /**
     * The kind of a disconnect reason, for counting: the text before its first colon
     * ({@code idle timeout: nothing received for 60 s} is {@code idle timeout}), and a
     * peer's GOODBYE as {@code peer said goodbye: } plus its reason if PROTOCOL.md names
     * it, else {@code other}. Reasons written by the pool are few; those a peer writes
     * are not, and must not make the table or a metric label grow without bound.
     */
    static String kind(String reason) {
        if (reason == null || reason.isEmpty()) {
            return "unspecified";
        }
        if (reason.startsWith(GOODBYE)) {
            String said = reason.substring(GOODBYE.length());
            return GOODBYE + (KNOWN_GOODBYES.contains(said) ? said : "other");
        }
        int colon = reason.indexOf(':');
        return colon < 0 ? reason : reason.substring(0, colon);
    }

    @Override
    public synchronized Summary of(NodeAddress peer) {
        Track t = tracks.get(peer);
        if (t == null) {
            return Summary.NONE;
        }
        return new Summary(t.disconnects, List.copyOf(t.recent),
                t.connected ? System.currentTimeMillis() : t.lastConnectedMillis);
    }

    @Override
    public synchronized Map<String, Long> disconnectReasons() {
        return new TreeMap<>(reasons);
    }

    @Override
    public synchronized long connectionsOpened() {
        return opened;
    }

    @Override
    public synchronized long connectionsClosed() {
        return closed;
    }
}
