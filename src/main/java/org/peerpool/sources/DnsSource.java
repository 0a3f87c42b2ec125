package org.peerpool.sources;

import java.net.InetAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

import org.peerpool.config.DnsName;
import org.peerpool.tls.KeyPin;
import org.peerpool.wire.NodeAddress;

/** A {@code [peers] dns} name: its A and AAAA records, on its port, asked every {@code dns_refresh_s}. */
final class DnsSource implements PeerSource {

    private final DnsName name;
    private final PeerResolver resolver;
    private final long periodMs;

    DnsSource(DnsName name, PeerResolver resolver, int refreshS) {
        this.name = name;
        this.resolver = resolver;
        this.periodMs = refreshS * 1000L;
    }

    @Override
    public String label() {
        return name.label();
    }

    @Override
    public long periodMs() {
        return periodMs;
    }

    /** One more refresh. */
    @Override
    public long holdMs() {
        return periodMs;
    }

    @Override
    public Map<NodeAddress, Set<KeyPin>> fetch() throws SourceException {
        Map<NodeAddress, Set<KeyPin>> out = new HashMap<>();
        for (InetAddress ip : resolver.resolve(name.host())) {
            // DNS carries no pins: under mode = required a name's peer needs its pin from a peer line or the file.
            out.put(NodeAddress.of(ip, name.port()), Set.of());
        }
        return out;
    }
}
