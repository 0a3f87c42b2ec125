package org.peerpool.config;

import java.util.LinkedHashSet;
import java.util.Set;

import org.peerpool.tls.KeyPin;
import org.peerpool.wire.NodeAddress;

/**
 * One peer as a {@code peer =} value writes it: {@code IP[:PORT]}, then any number of
 * key pins ({@code sha256/...}). The INI's peer lines and a {@code [peers] file} share
 * this form, so both read it here.
 */
public record PeerLine(NodeAddress address, Set<KeyPin> pins) {

    public PeerLine {
        pins = Set.copyOf(pins);
    }

    /**
     * Parses {@code value}; a peer written without a port takes {@code defaultPort}.
     * Throws {@link IllegalArgumentException} saying what is wrong, without the value
     * itself (the caller quotes it with its file and line).
     */
    public static PeerLine parse(String value, int defaultPort) {
        String[] words = value.strip().split("\\s+");
        String address = words[0];
        NodeAddress peer;
        try {
            peer = NodeAddress.parse(address, defaultPort);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(ConfigLoader.detail(e, address), e);
        }
        Set<KeyPin> keyPins = new LinkedHashSet<>();
        for (int w = 1; w < words.length; w++) {
            keyPins.add(KeyPin.parse(words[w]));
        }
        if (peer.ip().isAnyLocalAddress() || peer.ip().isMulticastAddress()) {
            throw new IllegalArgumentException("expected a peer's IP (not a wildcard or multicast address)");
        }
        return new PeerLine(peer, keyPins);
    }
}
