package org.peerpool.tls;

import java.util.Locale;

/**
 * {@code [tls] mode} (PROTOCOL.md section 7): {@code off} speaks plaintext only,
 * {@code optional} takes both and dials pinned peers over TLS, {@code required} speaks
 * TLS only and needs every configured peer pinned.
 */
public enum TlsMode {
    OFF, OPTIONAL, REQUIRED;

    /** The word as written in the file. */
    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The mode a word names; the exception's message lists the three words. */
    public static TlsMode parse(String word) {
        for (TlsMode m : values()) {
            if (m.word().equals(word)) {
                return m;
            }
        }
        throw new IllegalArgumentException("'" + word + "': expected off, optional or required");
    }
}
