package org.peerpool.sources;

import java.util.Map;
import java.util.Set;

import org.peerpool.tls.KeyPin;
import org.peerpool.wire.NodeAddress;

/**
 * One place more peers come from (a file, a DNS name). Asked on the sources thread
 * every {@link #periodMs()}; its answer goes through {@link SourceState}, which keeps
 * the last good list when it fails and holds back an answer that drops too much.
 */
interface PeerSource {

    /** How JMX and the log name it: {@code file:NAME} or {@code dns:NAME:PORT}. */
    String label();

    /** How often it is asked. */
    long periodMs();

    /** How long an answer that drops too much waits for a later one to agree before it applies. */
    long holdMs();

    /**
     * Its peers now, each with the pins it gives; null when there is nothing to judge yet
     * (a file still being written). Throws when it has no usable answer.
     */
    Map<NodeAddress, Set<KeyPin>> fetch() throws SourceException;
}
