package org.peerpool;

import java.util.List;
import java.util.Map;

import org.peerpool.wire.NodeAddress;

/**
 * What happened to each peer's connections since this node started: how many ended,
 * the last {@value #RECENT} with when, why, how long they had lasted and who had dialed,
 * when the peer was last connected, and across all peers how many connections opened
 * and closed and how often each kind of reason ended one. Read-only; the pool records
 * it from its own event stream.
 */
public interface PeerHistory {

    /** How many disconnects each peer keeps, newest first. */
    int RECENT = 10;

    /** A peer's history as the Peer bean shows it. */
    record Summary(long disconnects, List<String> recentDisconnects, long lastConnectedMillis) {
        public static final Summary NONE = new Summary(0, List.of(), 0);

        public Summary {
            recentDisconnects = List.copyOf(recentDisconnects);
        }
    }

    /**
     * The peer's history; {@code lastConnectedMillis} is now while it is connected, the
     * end of its last connection otherwise, 0 if it never was.
     */
    Summary of(NodeAddress peer);

    /**
     * Disconnects since start by kind of reason (the text before its first colon; a
     * peer's GOODBYE by its reason when PROTOCOL.md names it, else {@code other}), in the
     * kinds' alphabetical order.
     */
    Map<String, Long> disconnectReasons();

    /** Connections that completed their handshake since start. */
    long connectionsOpened();

    /** Established connections that ended since start. */
    long connectionsClosed();
}
