package org.peerpool.tls;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.peerpool.config.ConfigException;
import org.peerpool.config.ConfigLoader;
import org.peerpool.testing.Await;
import org.peerpool.testing.Keys;
import org.peerpool.testing.TestNet;
import org.peerpool.testing.TlsNodes;
import org.peerpool.wire.NodeAddress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 11, item 5: every kind of bad TLS configuration (DESIGN.md A2) is rejected as a
 * whole with a message naming what is wrong, both when a node starts on the file
 * (ConfigLoader) and when a running node's file is saved (the Config bean's
 * {@code LastError} names it, {@code RejectedCount} grows, and the node goes on with
 * its previous configuration and its connections).
 *
 * <p>"Unreadable" keystores are a missing file, a file that is not PKCS#12 and a
 * directory: the tests run as root on CI, where a mode of 000 does not stop a read.
 */
@Timeout(60)
class TlsConfigTest {

    private static final byte[] GARBAGE = "this is not a PKCS#12 keystore, just text\n".getBytes();

    @TempDir
    Path dir;

    private TlsNodes nodes;

    @BeforeAll
    static void keys() {
        Keys.prepare("n1", "n2");
    }

    @AfterEach
    void stop() {
        if (nodes != null) {
            nodes.close();
        }
    }

    /** Node 1's good file: optional, its key, node 2 pinned. */
    private TlsNodes.Text good(String mode) {
        return new TlsNodes.Text(nodes.address(1)).peer(nodes.address(2), Keys.get("n2").pin()).tls(mode);
    }

    /** Each bad variant of node 1's file, and the words its rejection must contain. */
    private Map<String, Map.Entry<String, List<String>>> badFiles() throws Exception {
        NodeAddress self = nodes.address(1);
        NodeAddress two = nodes.address(2);
        String pin2 = Keys.get("n2").pin();
        Files.write(nodes.dirOf(1).resolve("garbage.p12"), GARBAGE);
        Files.createDirectories(nodes.dirOf(1).resolve("adir.p12"));
        Map<String, Map.Entry<String, List<String>>> bad = new LinkedHashMap<>();
        bad.put("missing keystore", Map.entry(new TlsNodes.Text(self).peer(two, pin2)
                .tls("optional", "missing.p12", Keys.PASSWORD).toString(), List.of("missing.p12")));
        bad.put("keystore not PKCS#12", Map.entry(new TlsNodes.Text(self).peer(two, pin2)
                .tls("optional", "garbage.p12", Keys.PASSWORD).toString(), List.of("garbage.p12")));
        bad.put("keystore a directory", Map.entry(new TlsNodes.Text(self).peer(two, pin2)
                .tls("optional", "adir.p12", Keys.PASSWORD).toString(), List.of("adir.p12")));
        bad.put("wrong password", Map.entry(new TlsNodes.Text(self).peer(two, pin2)
                .tls("optional", TlsNodes.KEYSTORE, "not-the-password").toString(), List.of("keystore_password")));
        bad.put("malformed pin", Map.entry(new TlsNodes.Text(self).peer(two, "sha256/notAPin=")
                .tls("optional").toString(), List.of("sha256/notAPin=")));
        String shortByOne = pin2.substring(0, pin2.length() - 2) + "=";
        bad.put("pin one character short", Map.entry(new TlsNodes.Text(self).peer(two, shortByOne)
                .tls("optional").toString(), List.of(shortByOne)));
        bad.put("required with an unpinned peer", Map.entry(new TlsNodes.Text(self).peer(two, pin2)
                .peer(nodes.address(3)).tls("required").toString(), List.of(NodeAddress.ipText(nodes.address(3).ip()),
                "required")));
        bad.put("unknown mode", Map.entry(new TlsNodes.Text(self).peer(two, pin2).tls("strict").toString(),
                List.of("mode", "strict")));
        return bad;
    }

    private static void assertNames(String what, String message, List<String> words) {
        for (String w : words) {
            assertTrue(message.contains(w), what + ": the message names '" + w + "': " + message);
        }
        assertTrue(message.contains("peerpool.ini"), what + ": the message names the file: " + message);
    }

    @Test
    void eachBadTlsFileIsRejectedAtLoadNamingWhatIsWrong() throws Exception {
        nodes = new TlsNodes(dir, TestNet.freePort(3));
        nodes.installKey(1, Keys.get("n1"));
        nodes.save(1, good("optional"));
        ConfigLoader.load(nodes.ini(1)); // the good file loads: the rejections below are the variants' doing
        for (var e : badFiles().entrySet()) {
            Files.writeString(nodes.ini(1), e.getValue().getKey());
            ConfigException x = assertThrows(ConfigException.class, () -> ConfigLoader.load(nodes.ini(1)), e.getKey());
            assertNames(e.getKey(), x.getMessage(), e.getValue().getValue());
        }
    }

    @Test
    void eachBadTlsSaveOnARunningNodeIsRejectedAndChangesNothing() throws Exception {
        nodes = new TlsNodes(dir, TestNet.freePort(3));
        nodes.installKey(1, Keys.get("n1"));
        nodes.installKey(2, Keys.get("n2"));
        nodes.save(1, good("optional"));
        nodes.save(2, new TlsNodes.Text(nodes.address(2)).peer(nodes.address(1), Keys.get("n1").pin()).tls("optional"));
        nodes.startAll(1, 2);
        nodes.awaitWhole(Duration.ofSeconds(10), 1, 2);
        Map<String, Long> ids = nodes.ids(1, 2);
        String pin1 = Keys.get("n1").pin();
        assertTrue(((String) nodes.peer(1, 2, "Security")).startsWith("TLSv1.3"), "the pair runs on TLS");

        long rejected = nodes.rejections(1);
        Map<String, Map.Entry<String, List<String>>> bad = badFiles();
        for (var e : bad.entrySet()) {
            Files.writeString(nodes.ini(1), e.getValue().getKey());
            long expect = ++rejected;
            Await.until(Duration.ofSeconds(15), () -> nodes.rejections(1) == expect,
                    () -> e.getKey() + " not rejected: RejectedCount " + nodes.rejections(1) + ", LastError "
                            + nodes.config(1, "LastError"));
            assertNames(e.getKey(), (String) nodes.config(1, "LastError"), e.getValue().getValue());
            assertEquals("optional", nodes.pool(1, "TlsMode"), e.getKey() + ": the previous mode stays");
            assertEquals(pin1, nodes.pool(1, "LocalKeyPin"), e.getKey() + ": the previous key stays");
            assertEquals(ids, nodes.ids(1, 2), e.getKey() + ": the connection stays");
        }

        // The keystore in force turned to garbage under an unchanged INI: rejected too, naming it.
        nodes.save(1, good("optional"));
        Await.until(Duration.ofSeconds(15), () -> "".equals(nodes.config(1, "LastError")), "the good file again");
        long before = nodes.rejections(1);
        Files.write(nodes.keystore(1), GARBAGE);
        Await.until(Duration.ofSeconds(15), () -> nodes.rejections(1) == before + 1,
                () -> "garbage keystore in force not rejected: " + nodes.config(1, "LastError"));
        assertNames("keystore in force overwritten", (String) nodes.config(1, "LastError"), List.of(TlsNodes.KEYSTORE));
        assertEquals(pin1, nodes.pool(1, "LocalKeyPin"), "the key in force stays");
        assertEquals(ids, nodes.ids(1, 2), "the connection stays");

        // Repaired and moved to required: applied, and the TLS link with a pinned key still stays.
        long reloads = nodes.reloads(1);
        nodes.installKey(1, Keys.get("n1"));
        nodes.save(1, good("required"));
        Await.until(Duration.ofSeconds(15), () -> nodes.reloads(1) > reloads && "required".equals(nodes.pool(1, "TlsMode")),
                () -> "the repaired file applies: " + nodes.config(1, "LastError"));
        assertEquals("", nodes.config(1, "LastError"));
        assertEquals(ids, nodes.ids(1, 2), "a pinned TLS link is allowed under required: untouched");
        assertEquals(1, nodes.pool(1, "ConnectionCount"));
    }
}
