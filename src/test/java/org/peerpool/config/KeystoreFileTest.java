package org.peerpool.config;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.peerpool.testing.Ini;

/** A keystore path naming something other than a small regular file is refused before it is read. */
@Timeout(30)
class KeystoreFileTest {

    @TempDir
    Path dir;

    private String refused(Path keystore) throws Exception {
        Path ini = dir.resolve("node.ini");
        Ini.writeOwnerOnly(ini, "[network]\nlocal_ip = 127.0.0.1\n[tls]\nmode = optional\nkeystore = "
                + keystore + "\nkeystore_password = hunter2\n");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(ini));
        assertTrue(e.getMessage().contains("keystore = " + keystore), e.getMessage());
        return e.getMessage();
    }

    @Test
    void directoryIsRefused() throws Exception {
        Path d = Files.createDirectory(dir.resolve("ks.p12"));
        assertTrue(refused(d).contains("not a regular file"));
        assertFalse(KeystoreFile.readable(d));
    }

    @Test
    void fileOverTheCapIsRefused() throws Exception {
        Path big = dir.resolve("big.p12");
        try (RandomAccessFile f = new RandomAccessFile(big.toFile(), "rw")) {
            f.setLength(KeystoreFile.MAX_BYTES + 1); // sparse: no disk used
        }
        assertTrue(refused(big).contains("at most " + KeystoreFile.MAX_BYTES));
        assertFalse(KeystoreFile.readable(big));
    }

    @Test
    void fifoIsRefusedWithoutBeingRead() throws Exception {
        Path fifo = dir.resolve("fifo.p12");
        Process p = new ProcessBuilder("mkfifo", fifo.toString()).start();
        org.junit.jupiter.api.Assumptions.assumeTrue(p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0,
                "mkfifo not available");
        // Reading a FIFO with no writer would block this test until its timeout.
        assertTrue(refused(fifo).contains("not a regular file"));
        assertFalse(KeystoreFile.readable(fifo));
    }
}
