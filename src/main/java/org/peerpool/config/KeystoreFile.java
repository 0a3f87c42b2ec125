package org.peerpool.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * The checks a keystore path passes before anything reads it: a regular file (not a
 * FIFO, a device such as {@code /dev/zero}, or a directory) no larger than
 * {@link #MAX_BYTES}. Both the start-up load and every watcher check go through here,
 * so a path naming an endless stream is never read whole, once or every poll.
 */
final class KeystoreFile {

    /** A PKCS#12 file with one key and its certificate is a few KiB; 1 MiB leaves room for chains. */
    static final long MAX_BYTES = 1L << 20;

    private KeystoreFile() {
    }

    /** Throws a one-line error naming the key and the path unless {@code path} may be read. */
    static void check(String where, Path path) throws ConfigException {
        BasicFileAttributes a;
        try {
            // Follows links: a link to a regular file is fine, a link to a FIFO is not.
            a = Files.readAttributes(path, BasicFileAttributes.class);
        } catch (IOException e) {
            return; // missing or unreadable: the keystore loader says so with its own words
        }
        if (!a.isRegularFile()) {
            throw new ConfigException(where + ": keystore = " + path + ": not a regular file (expected: a PKCS#12 file)",
                    null, path);
        }
        if (a.size() > MAX_BYTES) {
            throw new ConfigException(where + ": keystore = " + path + ": " + a.size() + " bytes (expected: at most "
                    + MAX_BYTES + ")", null, path);
        }
    }

    /** Whether {@code path} passes {@link #check}: the watcher reads only such a keystore. */
    static boolean readable(Path path) {
        try {
            BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class);
            return a.isRegularFile() && a.size() <= MAX_BYTES;
        } catch (IOException e) {
            return false;
        }
    }
}
