package org.peerpool.tls;

/**
 * A keystore that cannot serve as this node's key: unreadable, a wrong password, no
 * private key or more than one. The message names the file and what is wrong, ready for
 * the one ERROR line of a rejected config.
 */
public final class KeystoreException extends Exception {

    private static final long serialVersionUID = 1L;

    KeystoreException(String message, Throwable cause) {
        super(message, cause);
    }

    KeystoreException(String message) {
        super(message);
    }
}
