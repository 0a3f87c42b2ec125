package org.peerpool.jmx;

import java.util.List;

import org.peerpool.PeerRow;
import org.peerpool.PeerSnapshot;
import org.peerpool.sources.SourcesView;

/**
 * Builds the ConnectionPool bean's {@code PeerRows} from one consistent list of
 * snapshots, each value formatted as the Peer bean formats the attribute of the same
 * name.
 */
final class PeerRows {

    private PeerRows() {
    }

    /** One row per snapshot, in the snapshots' (address) order. */
    static PeerRow[] of(List<PeerSnapshot> snapshots, SourcesView sources) {
        return snapshots.stream().map(s -> new PeerRow(s.address().toString(), s.state().name(),
                OpenValues.text(s.direction()), OpenValues.iso(s.connectedSince()), s.messagesIn(), s.messagesOut(),
                s.bytesIn(), s.bytesOut(), s.security(), OpenValues.text(s.lastError()),
                sources.sourcesOf(s.address()).toArray(String[]::new))).toArray(PeerRow[]::new);
    }
}
