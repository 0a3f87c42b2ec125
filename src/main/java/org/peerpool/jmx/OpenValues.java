package org.peerpool.jmx;

import java.time.Instant;
import java.util.Collection;

import org.peerpool.wire.NodeAddress;

/**
 * Turns pool and config values into the plain open types the beans expose: JConsole
 * shows an empty string better than a null, and needs no project class to read a
 * String or a String[].
 */
final class OpenValues {

    private OpenValues() {
    }

    /** ISO-8601 (UTC), or empty for none. */
    static String iso(Instant t) {
        return t == null ? "" : t.toString();
    }

    static String text(Object value) {
        return value == null ? "" : value.toString();
    }

    /** The addresses' text forms, in the collection's order. */
    static String[] addresses(Collection<NodeAddress> addresses) {
        return addresses.stream().map(NodeAddress::toString).toArray(String[]::new);
    }
}
