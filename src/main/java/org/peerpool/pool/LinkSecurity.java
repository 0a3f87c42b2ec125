package org.peerpool.pool;

import org.peerpool.tls.KeyPin;

/**
 * What protects one connection, as the Peer bean's {@code Security} and
 * {@code PeerKeyPin} show it (DESIGN.md A3), and what re-judging reads: the TLS
 * protocol and cipher suite, the pin of the key the peer presented and of the key this
 * node presented. Plaintext has none of them.
 *
 * @param protocol e.g. {@code TLSv1.3}; null for plaintext
 * @param peerPin  the peer's key; null for plaintext
 * @param localPin this node's key on this connection; null for plaintext
 */
public record LinkSecurity(String protocol, String cipherSuite, KeyPin peerPin, KeyPin localPin) {

    public static final LinkSecurity PLAINTEXT = new LinkSecurity(null, null, null, null);

    public boolean isTls() {
        return protocol != null;
    }

    /** {@code plaintext}, or the protocol and cipher suite, e.g. {@code TLSv1.3 TLS_AES_256_GCM_SHA384}. */
    public String describe() {
        return isTls() ? protocol + " " + cipherSuite : "plaintext";
    }

    /** The peer's pin as text, empty on plaintext. */
    public String peerPinText() {
        return peerPin == null ? "" : peerPin.text();
    }
}
