package org.peerpool.sources;

import java.util.List;

import org.peerpool.wire.NodeAddress;

/**
 * What JMX shows of the peer sources: which sources list a peer, and what is wrong with
 * them now. Reads published snapshots; never blocks.
 */
public interface SourcesView {

    /** No sources: every configured peer is the INI's own. */
    SourcesView NONE = new SourcesView() {
        @Override
        public List<String> sourcesOf(NodeAddress peer) {
            return List.of();
        }

        @Override
        public List<String> errors() {
            return List.of();
        }
    };

    /** The sources that list {@code peer} ({@code ini}, {@code file:NAME}, {@code dns:NAME:PORT}); empty if none. */
    List<String> sourcesOf(NodeAddress peer);

    /** One line per source that is failing or holding an answer back, and per source peer refused; empty when all is well. */
    List<String> errors();
}
