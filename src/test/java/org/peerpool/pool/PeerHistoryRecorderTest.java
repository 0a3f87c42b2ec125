package org.peerpool.pool;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.peerpool.PeerEvent;
import org.peerpool.PeerEvent.Direction;
import org.peerpool.PeerEvent.Kind;
import org.peerpool.PeerHistory;
import org.peerpool.testing.TestNet;
import org.peerpool.wire.NodeAddress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link PeerHistoryRecorder} fed events by hand: order, bounds, reason kinds and the removed peers' records. */
class PeerHistoryRecorderTest {

    private static final NodeAddress A = TestNet.address(2, 7100);
    private static final Instant T0 = Instant.parse("2026-12-02T07:00:00Z");

    private final PeerHistoryRecorder history = new PeerHistoryRecorder();

    private void event(Kind kind, NodeAddress peer, Direction d, String reason, long atSecond) {
        history.onPeerEvent(new PeerEvent(kind, peer, d, reason, T0.plusSeconds(atSecond)));
    }

    private void connection(NodeAddress peer, long from, long to, String reason) {
        event(Kind.CONNECTED, peer, Direction.OUTBOUND, "", from);
        event(Kind.DISCONNECTED, peer, Direction.OUTBOUND, reason, to);
    }

    @Test
    void keepsTheLastTenNewestFirstWithDurationAndDirection() {
        event(Kind.ADDED, A, null, "in the peer list", 0);
        for (int i = 0; i < 12; i++) {
            connection(A, i * 100, i * 100 + 42, "idle timeout: nothing received for 60 s");
        }
        PeerHistory.Summary s = history.of(A);
        assertEquals(12, s.disconnects());
        assertEquals(PeerHistory.RECENT, s.recentDisconnects().size());
        assertEquals("2026-12-02T07:19:02Z idle timeout: nothing received for 60 s (connected 42 s, OUTBOUND)",
                s.recentDisconnects().get(0));
        assertTrue(s.recentDisconnects().get(9).startsWith("2026-12-02T07:04:02Z "), s.recentDisconnects().get(9));
        assertEquals(T0.plusSeconds(1142).toEpochMilli(), s.lastConnectedMillis());
        assertEquals(Map.of("idle timeout", 12L), history.disconnectReasons());
        assertEquals(12, history.connectionsOpened());
        assertEquals(12, history.connectionsClosed());
    }

    @Test
    void aConnectedPeerWasLastConnectedNowAndAnUnknownOneNever() {
        event(Kind.CONNECTED, A, Direction.INBOUND, "", 0);
        long before = System.currentTimeMillis();
        assertTrue(history.of(A).lastConnectedMillis() >= before);
        assertEquals(new PeerHistory.Summary(0, List.of(), 0), history.of(TestNet.address(9, 7100)));
    }

    @Test
    void reasonKindsStayFewWhateverPeersWrite() {
        assertEquals("I/O error", PeerHistoryRecorder.kind("I/O error: Connection reset by peer"));
        assertEquals("peer said goodbye: shutting down", PeerHistoryRecorder.kind("peer said goodbye: shutting down"));
        assertEquals("peer said goodbye: other", PeerHistoryRecorder.kind("peer said goodbye: buy my coin: now"));
        assertEquals("superseded", PeerHistoryRecorder.kind("superseded"));
        assertEquals("unspecified", PeerHistoryRecorder.kind(""));
        for (int i = 0; i < PeerHistoryRecorder.MAX_REASONS + 10; i++) {
            connection(A, i, i, "odd reason " + i);
        }
        Map<String, Long> reasons = history.disconnectReasons();
        assertEquals(PeerHistoryRecorder.MAX_REASONS + 1, reasons.size(), "capped, plus 'other'");
        assertEquals(10L, reasons.get("other"));
    }

    @Test
    void aLongGoodbyeIsCutInTheRecentEntry() {
        connection(A, 0, 1, "peer said goodbye: " + "x".repeat(5000));
        String entry = history.of(A).recentDisconnects().get(0);
        assertTrue(entry.length() < 300, "length " + entry.length());
        assertTrue(entry.endsWith("... (connected 1 s, OUTBOUND)"), entry);
    }

    @Test
    void aRemovedPeerKeepsItsHistoryUntilManyMoreAreRemoved() {
        connection(A, 0, 5, "superseded");
        event(Kind.REMOVED, A, null, "removed from peer list", 6);
        assertEquals(1, history.of(A).disconnects(), "kept after removal");
        event(Kind.ADDED, A, null, "in the peer list", 7);
        connection(A, 8, 9, "superseded");
        assertEquals(2, history.of(A).disconnects(), "counted on after coming back");

        event(Kind.REMOVED, A, null, "removed from peer list", 10);
        for (int i = 0; i < PeerHistoryRecorder.MAX_GONE; i++) {
            NodeAddress stranger = TestNet.address(10 + i, 7100);
            event(Kind.ADDED, stranger, null, "unlisted peer admitted", 11);
            connection(stranger, 11, 12, "connection closed by peer");
            event(Kind.REMOVED, stranger, null, "unlisted peer disconnected", 12);
        }
        assertEquals(0, history.of(A).disconnects(), "the oldest removed peer's record was dropped");
        assertEquals(1, history.of(TestNet.address(10 + PeerHistoryRecorder.MAX_GONE - 1, 7100)).disconnects());
    }
}
