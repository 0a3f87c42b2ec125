package org.peerpool.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.peerpool.testing.Await;
import org.peerpool.testing.Keys;
import org.peerpool.tls.TlsMode;

/**
 * DESIGN.md A2: {@code keystore_password} is never shown, whatever is wrong with the
 * file around it (or with the password line itself), and a file holding it must be
 * readable by its owner only, at start-up and at every reload.
 */
@Timeout(60)
class KeystorePasswordTest {

    private static final String SECRET = "S3cr3t-Pw";
    private static final String HEAD = "[network]\nlocal_ip = 127.0.0.1\npeer = 127.0.0.2\n";
    private static final String TLS = "[tls]\nmode = optional\nkeystore = node.p12\nkeystore_password = " + SECRET
            + "\n";
    private static final String OWNER_ONLY = "rw-------";

    @TempDir
    Path dir;

    private ConfigWatcher watcher;

    @BeforeAll
    static void keys() {
        Keys.prepare("n1");
    }

    @AfterEach
    void close() {
        if (watcher != null) {
            watcher.close();
        }
    }

    /** Each way a file holding the password can be wrong, or right (the first). */
    private static Map<String, String> files() {
        Map<String, String> f = new LinkedHashMap<>();
        f.put("a good file", HEAD + TLS);
        f.put("the password given twice", HEAD + TLS + "keystore_password = " + SECRET + "\n");
        f.put("the password in an unclosed quote", HEAD + TLS.replace("= " + SECRET, "= \"" + SECRET));
        f.put("text after the password's closing quote",
                HEAD + TLS.replace("= " + SECRET, "= \"" + SECRET + "\" x"));
        f.put("a quote inside the password", HEAD + TLS.replace(SECRET, SECRET + "\"x"));
        f.put("a trailing backslash", HEAD + TLS.replace(SECRET, SECRET + "\\"));
        f.put("no equals sign", HEAD + TLS.replace("keystore_password = ", "keystore_password "));
        f.put("a colon for the equals sign", HEAD + TLS.replace("keystore_password = ", "keystore_password: "));
        f.put("on the section header's line", HEAD + "[tls] keystore_password = " + SECRET + "\n");
        f.put("in the wrong section", HEAD + "[connection]\nkeystore_password = " + SECRET + "\n");
        f.put("before any section", "keystore_password = " + SECRET + "\n" + HEAD);
        f.put("the password pasted again on a line of its own", HEAD + TLS + SECRET + "\n");
        f.put("a bad mode next to it", HEAD + TLS.replace("mode = optional", "mode = strict"));
        f.put("a bad pin", HEAD.replace("127.0.0.2", "127.0.0.2 sha256/notAPin=") + TLS);
        f.put("a bad number elsewhere", HEAD + "[connection]\nkeepalive_idle_s = -5\n" + TLS);
        f.put("a keystore that is not PKCS#12", HEAD + TLS.replace("node.p12", "garbage.p12"));
        f.put("a wrong password", HEAD + TLS.replace("node.p12", "other.p12"));
        f.put("a missing keystore", HEAD + TLS.replace("node.p12", "missing.p12"));
        f.put("a password without a keystore", HEAD + "[tls]\nkeystore_password = " + SECRET + "\n");
        return f;
    }

    @Test
    void thePasswordIsInNoMessageWhateverIsWrong() throws Exception {
        assumePosix();
        keystores();
        Path ini = dir.resolve("peerpool.ini");
        List<String> shown = new ArrayList<>();
        for (Map.Entry<String, String> e : files().entrySet()) {
            write(ini, e.getValue(), OWNER_ONLY);
            if (e.getKey().equals("a good file")) {
                ConfigLoader.LoadResult r = ConfigLoader.loadWithWarnings(ini);
                assertEquals(TlsMode.OPTIONAL, r.config().tls().mode());
                for (String s : List.of(r.toString(), r.config().toString(), r.config().tls().toString())) {
                    if (s.contains(SECRET)) {
                        shown.add(e.getKey() + ": " + s);
                    }
                }
                continue;
            }
            ConfigException x = assertThrows(ConfigException.class, () -> ConfigLoader.load(ini), e.getKey());
            assertTrue(x.getMessage().startsWith(ini.toString()), e.getKey() + ": names the file: " + x.getMessage());
            for (Throwable t = x; t != null; t = t.getCause()) {
                if (t.toString().contains(SECRET)) {
                    shown.add(e.getKey() + ": " + t);
                }
            }
        }
        assertEquals(List.of(), shown, "messages showing the password");
    }

    @Test
    void aPasswordLineThatDoesNotScanShowsStars() throws Exception {
        String m = assertThrows(ConfigException.class,
                () -> ConfigLoader.parse(HEAD + TLS.replace(SECRET, SECRET + "\\"), "peerpool.ini")).getMessage();
        assertTrue(m.contains("keystore_password = ***"), m);
        String onHeader = HEAD + "[tls] keystore_password = " + SECRET + "\n";
        m = assertThrows(ConfigException.class, () -> ConfigLoader.parse(onHeader, "peerpool.ini")).getMessage();
        assertTrue(m.contains("'[tls] keystore_password ***'"), m);
    }

    @Test
    void aPasswordFileOthersCanReadIsRefusedAtLoadNamingChmod600() throws Exception {
        assumePosix();
        keystores();
        Path ini = dir.resolve("peerpool.ini");
        for (String perms : List.of("rw-r--r--", "rw-r-----", "rw----r--")) {
            write(ini, HEAD + TLS, perms);
            ConfigException x = assertThrows(ConfigException.class, () -> ConfigLoader.load(ini), perms);
            assertTrue(x.getMessage().startsWith(ini + ": "), x.getMessage());
            assertTrue(x.getMessage().contains("keystore_password"), x.getMessage());
            assertTrue(x.getMessage().contains("chmod 600 " + ini), x.getMessage());
            assertNoSecret(perms, x.getMessage());
            assertThrows(ConfigException.class, () -> ConfigWatcher.load(ini), "start-up refuses it too: " + perms);
        }
        write(ini, HEAD + TLS, OWNER_ONLY);
        assertEquals(TlsMode.OPTIONAL, ConfigLoader.load(ini).tls().mode());
        write(ini, HEAD + TLS, "rwx------");
        ConfigLoader.load(ini);
        // Without the password the file may be read by anyone, as before.
        write(ini, HEAD + "[tls]\n; keystore_password = ...\n", "rw-r--r--");
        assertEquals(TlsMode.OFF, ConfigLoader.load(ini).tls().mode());
    }

    @Test
    void aSaveThatPutsThePasswordInAFileOthersCanReadIsRejectedUntilChmod600() throws Exception {
        assumePosix();
        keystores();
        Path ini = dir.resolve("peerpool.ini");
        write(ini, HEAD, "rw-r--r--");
        ConcurrentLinkedQueue<NodeConfig> applied = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<String> rejected = new ConcurrentLinkedQueue<>();
        start(ini, applied, rejected);
        NodeConfig before = watcher.status().config();

        Files.writeString(ini, HEAD + TLS, StandardCharsets.UTF_8); // the mode stays 0644
        // The listeners hear of it just after the status shows it: wait for both.
        Await.until(Duration.ofSeconds(10), () -> watcher.status().rejectedCount() == 1 && !rejected.isEmpty(),
                () -> "not rejected: " + watcher.status() + ", listeners heard " + rejected);
        String error = watcher.status().lastError();
        assertTrue(error.contains("chmod 600 " + ini), error);
        assertNoSecret("LastError", error);
        assertEquals(before, watcher.status().config(), "the previous config stays");
        assertTrue(applied.isEmpty(), "nothing applied");
        assertEquals(List.of(error), List.copyOf(rejected));

        // chmod alone, the content unchanged: the file is judged again and applies.
        Files.setPosixFilePermissions(ini, PosixFilePermissions.fromString(OWNER_ONLY));
        Await.until(Duration.ofSeconds(10), () -> watcher.status().config().tls().mode() == TlsMode.OPTIONAL,
                () -> "not applied after chmod 600: " + watcher.status());
        assertEquals("", watcher.status().lastError());
        assertEquals(1, applied.size());
    }

    @Test
    void aRunningNodesPasswordFileMadeReadableByOthersIsRejectedAndItsTextMasked() throws Exception {
        assumePosix();
        keystores();
        Path ini = dir.resolve("peerpool.ini");
        write(ini, HEAD + TLS, OWNER_ONLY);
        ConcurrentLinkedQueue<NodeConfig> applied = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<String> rejected = new ConcurrentLinkedQueue<>();
        start(ini, applied, rejected);
        NodeConfig before = watcher.status().config();

        Files.setPosixFilePermissions(ini, PosixFilePermissions.fromString("rw-r--r--"));
        Await.until(Duration.ofSeconds(10), () -> watcher.status().rejectedCount() == 1,
                () -> "chmod 644 not rejected: " + watcher.status());
        assertTrue(watcher.status().lastError().contains("chmod 600"), watcher.status().lastError());
        assertEquals(before, watcher.status().config());

        // Owner-only again: the same content reads, and applies (LastError clears).
        Files.setPosixFilePermissions(ini, PosixFilePermissions.fromString(OWNER_ONLY));
        Await.until(Duration.ofSeconds(10), () -> watcher.status().reloadCount() == 1,
                () -> "not judged again after chmod 600: " + watcher.status());
        assertEquals("", watcher.status().lastError());
        assertEquals(before, watcher.status().config());
        applied.clear();

        // Saved with a password line that does not scan: rejected without the password.
        Files.writeString(ini, HEAD + TLS.replace(SECRET, "\"" + SECRET), StandardCharsets.UTF_8);
        Await.until(Duration.ofSeconds(10), () -> watcher.status().rejectedCount() == 2 && rejected.size() == 2,
                () -> "bad password line not rejected: " + watcher.status() + ", listeners heard " + rejected);
        assertNoSecret("LastError", watcher.status().lastError());
        rejected.forEach(m -> assertNoSecret("rejection", m));
        assertEquals(before, watcher.status().config());
        assertTrue(applied.isEmpty(), "nothing applied: " + applied);
    }

    // ---- helpers ----

    private void start(Path ini, ConcurrentLinkedQueue<NodeConfig> applied, ConcurrentLinkedQueue<String> rejected)
            throws Exception {
        watcher = ConfigWatcher.load(ini);
        watcher.addListener(new ConfigListener() {
            @Override
            public void onReloaded(NodeConfig previous, ConfigStatus status) {
            }

            @Override
            public void onRejected(String error, ConfigStatus status) {
                rejected.add(error);
            }
        });
        watcher.start(applied::add);
    }

    private static void assertNoSecret(String what, String text) {
        assertFalse(text.contains(SECRET), what + ": shows the password: " + text);
    }

    private static void assumePosix() {
        assumeTrue(Files.getFileAttributeView(Path.of("."), PosixFileAttributeView.class) != null,
                "a POSIX file system");
    }

    /** Writes {@code text} to a file created anew with {@code perms}. */
    private static void write(Path file, String text, String perms) throws IOException {
        Files.deleteIfExists(file);
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(perms)));
        Files.writeString(file, text, StandardCharsets.UTF_8);
        // createFile's mode is filtered by the umask: set it as asked.
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(perms));
    }

    /**
     * node.p12 with {@link #SECRET} for its password, other.p12 with another password,
     * garbage.p12 that is not PKCS#12.
     */
    private void keystores() throws Exception {
        Keys.Key k = Keys.get("n1");
        KeyStore from = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(k.file())) {
            from.load(in, k.password().toCharArray());
        }
        PrivateKey key = (PrivateKey) from.getKey("node", k.password().toCharArray());
        Certificate[] chain = from.getCertificateChain("node");
        KeyStore to = KeyStore.getInstance("PKCS12");
        to.load(null, null);
        to.setKeyEntry("node", key, SECRET.toCharArray(), chain);
        try (OutputStream out = Files.newOutputStream(dir.resolve("node.p12"))) {
            to.store(out, SECRET.toCharArray());
        }
        k.copyTo(dir.resolve("other.p12"));
        Files.writeString(dir.resolve("garbage.p12"), "not a PKCS#12 keystore, just text\n");
    }
}
