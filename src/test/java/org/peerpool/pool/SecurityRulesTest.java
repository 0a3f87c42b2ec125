package org.peerpool.pool;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Base64;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.peerpool.tls.KeyPin;
import org.peerpool.tls.TlsMode;

/** The rules of PROTOCOL.md section 7, one case per sentence. */
class SecurityRulesTest {

    private static final KeyPin A = pin(1);
    private static final KeyPin B = pin(2);
    private static final KeyPin MINE = pin(3);
    private static final KeyPin OLD_MINE = pin(4);

    private static KeyPin pin(int b) {
        byte[] d = new byte[32];
        d[0] = (byte) b;
        return KeyPin.parse("sha256/" + Base64.getEncoder().encodeToString(d));
    }

    private static LinkSecurity tls(KeyPin peer, KeyPin local) {
        return new LinkSecurity("TLSv1.3", "TLS_AES_128_GCM_SHA256", peer, local);
    }

    @Test
    void dialsTlsTowardPinnedPeersUnderOptionalAndAlwaysUnderRequired() {
        assertFalse(SecurityRules.dialsTls(TlsMode.OFF, Set.of(A)));
        assertFalse(SecurityRules.dialsTls(TlsMode.OPTIONAL, Set.of()));
        assertTrue(SecurityRules.dialsTls(TlsMode.OPTIONAL, Set.of(A)));
        assertTrue(SecurityRules.dialsTls(TlsMode.REQUIRED, Set.of()));
    }

    @Test
    void responderChecksKeyAgainstPinsAndRefusesPlaintextWhenRequired() {
        assertNull(SecurityRules.responderCheck(TlsMode.OPTIONAL, Set.of(A, B), tls(B, MINE)));
        assertTrue(SecurityRules.responderCheck(TlsMode.OPTIONAL, Set.of(A), tls(B, MINE)).startsWith("key mismatch"));
        // Unpinned (an unlisted peer under accept_unknown_peers): any key.
        assertNull(SecurityRules.responderCheck(TlsMode.REQUIRED, Set.of(), tls(B, MINE)));
        // Under optional a pinned peer may still come in plaintext: it may not have this node's pin yet.
        assertNull(SecurityRules.responderCheck(TlsMode.OPTIONAL, Set.of(A), LinkSecurity.PLAINTEXT));
        assertTrue(SecurityRules.responderCheck(TlsMode.REQUIRED, Set.of(A), LinkSecurity.PLAINTEXT)
                .startsWith("key mismatch"));
    }

    @Test
    void rejudgingClosesOnlyWhatTheNewSettingsWouldNotAllow() {
        // Plaintext under required.
        assertTrue(SecurityRules.judge(TlsMode.REQUIRED, Set.of(A), LinkSecurity.PLAINTEXT, false, MINE) != null);
        // A key no pin matches any longer.
        assertTrue(SecurityRules.judge(TlsMode.OPTIONAL, Set.of(B), tls(A, MINE), true, MINE) != null);
        // Plaintext to a now-pinned peer this node dials; but not one the peer dialed.
        assertTrue(SecurityRules.judge(TlsMode.OPTIONAL, Set.of(A), LinkSecurity.PLAINTEXT, true, MINE) != null);
        assertNull(SecurityRules.judge(TlsMode.OPTIONAL, Set.of(A), LinkSecurity.PLAINTEXT, false, MINE));
        // This node's key changed: the link re-forms on the new one.
        assertTrue(SecurityRules.judge(TlsMode.OPTIONAL, Set.of(A), tls(A, OLD_MINE), true, MINE) != null);
        // TLS turned off.
        assertTrue(SecurityRules.judge(TlsMode.OFF, Set.of(), tls(A, MINE), true, MINE) != null);
        // Untouched: a matching key, a second pin added, plaintext to an unpinned peer.
        assertNull(SecurityRules.judge(TlsMode.OPTIONAL, Set.of(A, B), tls(A, MINE), true, MINE));
        assertNull(SecurityRules.judge(TlsMode.REQUIRED, Set.of(A), tls(A, MINE), false, MINE));
        assertNull(SecurityRules.judge(TlsMode.OPTIONAL, Set.of(), LinkSecurity.PLAINTEXT, true, MINE));
    }
}
