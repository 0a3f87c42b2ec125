package org.peerpool.transport;

import java.security.cert.CertificateException;

/**
 * A peer presented a key that no pin of its address matches (PROTOCOL.md section 7).
 * Thrown from the initiator's trust check, so JSSE aborts the TLS handshake; the
 * transport finds it in the handshake failure's causes to report {@code key mismatch}
 * rather than a generic TLS error.
 */
public final class KeyMismatchException extends CertificateException {

    private static final long serialVersionUID = 1L;

    KeyMismatchException(String message) {
        super(message);
    }

    /** The key mismatch among {@code t} and its causes, or null when there is none. */
    public static KeyMismatchException in(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof KeyMismatchException k) {
                return k;
            }
            if (c.getCause() == c) {
                break;
            }
        }
        return null;
    }
}
