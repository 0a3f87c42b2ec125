package org.peerpool.sources;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

import org.peerpool.config.NodeConfig;
import org.peerpool.tls.KeyPin;
import org.peerpool.tls.TlsMode;
import org.peerpool.wire.NodeAddress;

/**
 * The peer list the pool gets: the INI's own peer lines and every source's list, a
 * peer listed twice counted once with all its pins, this node's own address left out.
 * Under {@code mode = required} a source's peer that ends up with no pin cannot connect,
 * so it is refused (named in {@link Merged#refused()}, shown on the Config bean) rather
 * than making the whole configuration invalid.
 */
public final class PeerMerge {

    /** The source name of a peer from the INI's own peer lines. */
    public static final String INI = "ini";

    /**
     * The merged configuration, which sources list each of its peers (in address order),
     * and one line per source peer refused.
     */
    public record Merged(NodeConfig config, Map<NodeAddress, List<String>> sourcesOf, List<String> refused) {
        public Merged {
            sourcesOf = Map.copyOf(sourcesOf);
            refused = List.copyOf(refused);
        }
    }

    private PeerMerge() {
    }

    /** {@code ini} with the peers of {@code lists} (source label to its peers and their pins) added. */
    public static Merged merge(NodeConfig ini, Map<String, Map<NodeAddress, Set<KeyPin>>> lists) {
        NodeAddress self = ini.self();
        TreeMap<NodeAddress, List<String>> sourcesOf = new TreeMap<>();
        TreeMap<NodeAddress, SortedSet<KeyPin>> pins = new TreeMap<>();
        for (NodeAddress p : ini.peers()) {
            sourcesOf.computeIfAbsent(p, a -> new ArrayList<>()).add(INI);
            pins.computeIfAbsent(p, a -> new TreeSet<>()).addAll(ini.pinsOf(p));
        }
        for (Map.Entry<String, Map<NodeAddress, Set<KeyPin>>> source : new TreeMap<>(lists).entrySet()) {
            for (Map.Entry<NodeAddress, Set<KeyPin>> e : source.getValue().entrySet()) {
                if (!e.getKey().equals(self)) {
                    sourcesOf.computeIfAbsent(e.getKey(), a -> new ArrayList<>()).add(source.getKey());
                    pins.computeIfAbsent(e.getKey(), a -> new TreeSet<>()).addAll(e.getValue());
                }
            }
        }
        boolean required = ini.tls().mode() == TlsMode.REQUIRED;
        NodeConfig.Builder b = ini.toBuilder();
        List<String> refused = new ArrayList<>();
        for (var it = sourcesOf.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<NodeAddress, List<String>> e = it.next();
            NodeAddress peer = e.getKey();
            if (required && pins.get(peer).isEmpty()) {
                refused.add(String.join(", ", e.getValue()) + ": peer " + peer
                        + " has no key pin, and mode = required; not added (pin it on a peer line or in the file)");
                it.remove();
                continue;
            }
            if (!e.getValue().contains(INI)) {
                b.addPeer(peer);
            }
            b.pins(peer, pins.get(peer));
        }
        sourcesOf.replaceAll((p, names) -> List.copyOf(names));
        return new Merged(b.build(), sourcesOf, refused);
    }
}
