package org.peerpool.sources;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.peerpool.config.NodeConfig;
import org.peerpool.config.TlsSettings;
import org.peerpool.testing.Keys;
import org.peerpool.testing.TestNet;
import org.peerpool.tls.KeyPin;
import org.peerpool.tls.LocalKey;
import org.peerpool.tls.TlsMode;
import org.peerpool.wire.NodeAddress;

/** How the INI's peers and the sources' lists become the pool's one peer list. */
class PeerMergeTest {

    private static final NodeAddress SELF = TestNet.address(1, 7100);
    private static final NodeAddress B = TestNet.address(2, 7100);
    private static final NodeAddress C = TestNet.address(3, 7100);
    private static final NodeAddress D = TestNet.address(4, 7100);

    private final KeyPin pinB = KeyPin.parse(Keys.get("two").pin());
    private final KeyPin pinC = KeyPin.parse(Keys.get("stranger").pin());

    private NodeConfig ini(TlsMode mode) throws Exception {
        Keys.Key own = Keys.get("one");
        return NodeConfig.builder(TestNet.ip(1)).port(7100).addPeer(B, Set.of(pinB))
                .tls(TlsSettings.of(mode, LocalKey.load(own.file(), own.password().toCharArray()))).build();
    }

    private Map<String, Map<NodeAddress, Set<KeyPin>>> lists() {
        return Map.of("file:mn.txt", Map.of(B, Set.of(pinC), C, Set.of(pinC), SELF, Set.of()),
                "dns:seeds.test:7100", Map.of(C, Set.of(), D, Set.of()));
    }

    @Test
    void duplicatesCountOnceWithTheirPinsMergedAndOwnAddressLeftOut() throws Exception {
        PeerMerge.Merged m = PeerMerge.merge(ini(TlsMode.OPTIONAL), lists());

        assertEquals(List.of(B, C, D), m.config().peers());
        assertEquals(Set.of(pinB, pinC), m.config().pinsOf(B));
        assertEquals(Set.of(pinC), m.config().pinsOf(C));
        assertEquals(Set.of(), m.config().pinsOf(D));
        assertEquals(Map.of(B, List.of("ini", "file:mn.txt"), C, List.of("dns:seeds.test:7100", "file:mn.txt"),
                D, List.of("dns:seeds.test:7100")), m.sourcesOf());
        assertEquals(List.of(), m.refused());
    }

    @Test
    void underRequiredAnUnpinnedSourcePeerIsRefusedNotTheConfig() throws Exception {
        PeerMerge.Merged m = PeerMerge.merge(ini(TlsMode.REQUIRED), lists());

        assertEquals(List.of(B, C), m.config().peers(), "C is pinned by the file although DNS lists it bare");
        assertEquals(List.of("dns:seeds.test:7100: peer " + D + " has no key pin, and mode = required; not added "
                + "(pin it on a peer line or in the file)"), m.refused());
    }

    @Test
    void withoutSourcesTheIniStandsAsItIs() throws Exception {
        NodeConfig ini = ini(TlsMode.REQUIRED);
        assertEquals(ini, PeerMerge.merge(ini, Map.of()).config());
    }
}
