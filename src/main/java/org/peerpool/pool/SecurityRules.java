package org.peerpool.pool;

import java.util.Set;

import org.peerpool.tls.KeyPin;
import org.peerpool.tls.TlsMode;

/**
 * The rules of PROTOCOL.md section 7, as pure functions of the settings in force, a
 * peer's pins and what protects a connection: which dials use TLS, the responder's
 * {@code key mismatch} check, and whether a connection survives a change of the
 * settings. One place, so dialing, answering and re-judging cannot disagree.
 */
public final class SecurityRules {

    /** How every rejection or abort for a key (or its absence) starts, in logs and on the wire. */
    public static final String KEY_MISMATCH = "key mismatch";

    private SecurityRules() {
    }

    /** Whether this node dials a peer with {@code pins} over TLS. */
    public static boolean dialsTls(TlsMode mode, Set<KeyPin> pins) {
        return mode == TlsMode.REQUIRED || (mode == TlsMode.OPTIONAL && !pins.isEmpty());
    }

    /**
     * The responder's check after the HANDSHAKE names the peer: null to go on, or the
     * rejection, starting with {@code key mismatch}.
     */
    public static String responderCheck(TlsMode mode, Set<KeyPin> pins, LinkSecurity link) {
        if (!link.isTls()) {
            return mode == TlsMode.REQUIRED ? KEY_MISMATCH + ": plaintext connection, and this node requires TLS" : null;
        }
        return pinCheck(pins, link);
    }

    /**
     * The peer's key against its pins, after a TLS handshake, full or resumed: a resumed
     * one skips the trust manager, so this runs on both sides after every handshake. A key
     * that cannot be read (null) matches no pin. Null to go on, or a rejection starting
     * with {@code key mismatch}.
     */
    public static String pinCheck(Set<KeyPin> pins, LinkSecurity link) {
        if (!pins.isEmpty() && !pins.contains(link.peerPin())) {
            return KEY_MISMATCH + ": presented key " + link.peerPin() + " matches no pin of this address";
        }
        return null;
    }

    /** How every refusal of a weaker connection starts, in logs and on the wire. */
    public static final String DOWNGRADE_REFUSED = "downgrade refused";

    /**
     * How strongly {@code link} authenticates a peer with {@code pins}: 2 for TLS with a
     * key matching a pin, 1 for TLS with a key no pin names, 0 for plaintext.
     */
    public static int strength(Set<KeyPin> pins, LinkSecurity link) {
        if (!link.isTls()) {
            return 0;
        }
        return pins.contains(link.peerPin()) ? 2 : 1;
    }

    /**
     * The responder's downgrade check (PROTOCOL.md sections 4 and 7): null to go on, or a
     * rejection starting with {@code downgrade refused}.
     *
     * @param held           what protects the connection this node holds with the peer, or null
     * @param pinnedTlsSeen  whether the peer has connected over TLS with a key matching a pin
     *                       since its pins last changed
     */
    public static String downgradeCheck(TlsMode mode, Set<KeyPin> pins, LinkSecurity held, LinkSecurity incoming,
                                        boolean pinnedTlsSeen) {
        int now = strength(pins, incoming);
        if (held != null && strength(pins, held) > now) {
            return DOWNGRADE_REFUSED + ": the connection held is " + (strength(pins, held) == 2
                    ? "TLS with a pinned key" : "TLS") + ", this one " + (now == 0 ? "plaintext" : "TLS without a pin");
        }
        if (mode == TlsMode.OPTIONAL && now == 0 && !pins.isEmpty() && pinnedTlsSeen) {
            return DOWNGRADE_REFUSED + ": plaintext from a pinned peer that has connected over TLS with its key";
        }
        return null;
    }

    /**
     * Whether an open connection is still allowed after the settings changed: null if
     * so, otherwise why not (for the log; the connection closes with GOODBYE
     * {@code security changed}).
     *
     * @param dialedByThisNode true when this node opened the connection
     * @param localPin         this node's key now, or null without a keystore
     */
    public static String judge(TlsMode mode, Set<KeyPin> pins, LinkSecurity link, boolean dialedByThisNode,
                               KeyPin localPin) {
        if (link.isTls()) {
            if (mode == TlsMode.OFF) {
                return "TLS is off";
            }
            if (!pins.isEmpty() && !pins.contains(link.peerPin())) {
                return "its key " + link.peerPin() + " matches no pin any longer";
            }
            if (!link.localPin().equals(localPin)) {
                return "this node's key changed";
            }
            return null;
        }
        if (mode == TlsMode.REQUIRED) {
            return "plaintext, and TLS is now required";
        }
        if (dialedByThisNode && dialsTls(mode, pins)) {
            return "plaintext to a pinned peer this node dials";
        }
        return null;
    }
}
