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
 */
record FileStamp(List<Object> file, List<Object> keystore) {

    /** Longer than any file system's timestamp granularity (FAT's 2 s included). */
    static final long SETTLED_MS = 2_500;

    private static final String ATTRIBUTES = "unix:dev,ino,mode,uid,gid,size,lastModifiedTime,ctime";

    /** The stamp of {@code file} and of {@code keystore} (null: none), or null when either cannot be had. */
    static FileStamp of(Path file, Path keystore) {
        List<Object> f = attributes(file);
        if (f == null) {
            return null;
        }
        List<Object> k = keystore == null ? List.of() : attributes(keystore);
        return k == null ? null : new FileStamp(f, k);
    }

    private static List<Object> attributes(Path p) {
        try {
            Map<String, Object> a = Files.readAttributes(p, ATTRIBUTES);
            return List.of(a.get("dev"), a.get("ino"), a.get("mode"), a.get("uid"), a.get("gid"), a.get("size"),
                    a.get("lastModifiedTime"), a.get("ctime"));
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException | NullPointerException e) {
            // Missing, or no unix view here: no stamp, so the content is read.
            return null;
        }
    }

    /** True when every time in the stamp lies at least {@link #SETTLED_MS} before {@code wallMillis}. */
    boolean settledBy(long wallMillis) {
        return settled(file, wallMillis) && (keystore.isEmpty() || settled(keystore, wallMillis));
    }

    private static boolean settled(List<Object> a, long wallMillis) {
        // The last two attributes are the times: lastModifiedTime, ctime.
        for (int i = a.size() - 2; i < a.size(); i++) {
            if (!(a.get(i) instanceof FileTime t) || wallMillis - t.toMillis() < SETTLED_MS) {
                return false;
            }
        }
        return true;
    }
}
