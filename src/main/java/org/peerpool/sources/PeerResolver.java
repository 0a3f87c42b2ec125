package org.peerpool.sources;

import java.net.InetAddress;
import java.util.List;

/**
 * Asks DNS for a name's A and AAAA records, fresh every time (no cache between calls:
 * {@code dns_refresh_s} decides how often). Called only on the sources thread, which
 * it may block up to its timeout.
 */
public interface PeerResolver {

    /**
     * The addresses {@code host} has now; an empty list when the name exists but has no
     * A or AAAA record. Throws when there was no answer (timeout, server failure) or the
     * name does not exist (NXDOMAIN), saying which.
     */
    List<InetAddress> resolve(String host) throws SourceException;
}
