package org.peerpool.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;

/**
 * What the kernel says of the config file and its keystore without reading them: device,
 * inode, mode, owner, size, modification and change times. The watcher's periodic check
 * compares stamps first, so an unchanged file of a thousand peers costs two {@code stat}
 * calls, not a read, a secret scan and a digest every two seconds. A stamp is trusted
 * only once settled: both times at least {@link #SETTLED_MS} in the past when it was
 * taken, so a write in the same tick of a coarse file-system clock cannot hide behind an
 * unchanged time. Where the "unix" attribute view is missing, there is no stamp and the
 * file is read at every check, as before.
 *
 * @param keystore null when the file names no keystore
 */
record FileStamp(Attributes file, Attributes keystore) {

    /** Longer than any file system's timestamp granularity (FAT's 2 s included). */
    static final long SETTLED_MS = 2_500;

    private static final String ATTRIBUTES = "unix:dev,ino,mode,uid,gid,size,lastModifiedTime,ctime";

    /** One file's stamp: what identifies its content without its times, and the two times. */
    record Attributes(List<Object> identity, FileTime modified, FileTime changed) {

        boolean settledBy(long wallMillis) {
            return wallMillis - modified.toMillis() >= SETTLED_MS && wallMillis - changed.toMillis() >= SETTLED_MS;
        }
    }

    /** The stamp of {@code file} and of {@code keystore} (null: none), or null when either cannot be had. */
    static FileStamp of(Path file, Path keystore) {
        Attributes f = attributes(file);
        if (f == null) {
            return null;
        }
        if (keystore == null) {
            return new FileStamp(f, null);
        }
        Attributes k = attributes(keystore);
        return k == null ? null : new FileStamp(f, k);
    }

    private static Attributes attributes(Path p) {
        try {
            Map<String, Object> a = Files.readAttributes(p, ATTRIBUTES);
            if (!(a.get("lastModifiedTime") instanceof FileTime modified) || !(a.get("ctime") instanceof FileTime changed)) {
                return null;
            }
            return new Attributes(List.of(a.get("dev"), a.get("ino"), a.get("mode"), a.get("uid"), a.get("gid"),
                    a.get("size")), modified, changed);
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException | NullPointerException e) {
            // Missing, or no unix view here: no stamp, so the content is read.
            return null;
        }
    }

    /** When the config file was last written. */
    FileTime modified() {
        return file.modified();
    }

    /** True when every time in the stamp lies at least {@link #SETTLED_MS} before {@code wallMillis}. */
    boolean settledBy(long wallMillis) {
        return file.settledBy(wallMillis) && (keystore == null || keystore.settledBy(wallMillis));
    }
}
