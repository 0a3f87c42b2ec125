package org.peerpool.config;

import java.nio.file.Path;
import java.util.Objects;

import org.peerpool.tls.LocalKey;
import org.peerpool.tls.TlsMode;

/**
 * The {@code [tls]} section (DESIGN.md A2, PROTOCOL.md section 7) as loaded: the mode
 * and, when a keystore is named, the key read from it. Holding the key itself makes two
 * snapshots differ when the keystore's content does, so a rotated key re-judges
 * connections like any other change of this section.
 *
 * @param localKey the key the keystore holds, or null when none is named
 */
public record TlsSettings(TlsMode mode, LocalKey localKey) {

    /** No TLS and no key: the default. */
    public static final TlsSettings OFF = new TlsSettings(TlsMode.OFF, null);

    public TlsSettings {
        Objects.requireNonNull(mode, "mode");
        if (mode != TlsMode.OFF && localKey == null) {
            throw new IllegalArgumentException("[tls] mode = " + mode.word()
                    + ": needs a keystore holding this node's key (keystore = ..., keystore_password = ...)");
        }
    }

    /** A node with {@code key} in {@code mode}. */
    public static TlsSettings of(TlsMode mode, LocalKey key) {
        return new TlsSettings(mode, Objects.requireNonNull(key, "key"));
    }

    /** The keystore's absolute path, or null when none is named. */
    public Path keystore() {
        return localKey == null ? null : localKey.file();
    }
}
