package org.peerpool.tls;

import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.peerpool.testing.Keys;
import org.peerpool.testing.TestNet;
import org.peerpool.testing.TlsNodes;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Issue 18: a config rewritten in place in two chunks 50 ms apart, 200 times, while
 * {@code mode = required}. The first chunk ends before {@code [tls]}: read alone it is
 * a valid file with TLS off, which would close every link with {@code security
 * changed}. Every reading in the storm (the burst limit forces one every 700 ms, the
 * poll one every 2 s) must see it for what it is: no connection closes, nothing applies.
 */
@Timeout(120)
class ConfigWriteStormTest {

    private static final int[] PAIR = {1, 2};

    @TempDir
    Path dir;

    private TlsNodes nodes;

    @BeforeAll
    static void keys() {
        Keys.prepare("n1", "n2");
    }

    @AfterEach
    void stop() {
        nodes.close();
    }

    @Test
    void aFileWrittenInChunksNeverTurnsTlsOff() throws Exception {
        nodes = new TlsNodes(dir, TestNet.freePort(2));
        for (int i : PAIR) {
            nodes.installKey(i, Keys.get("n" + i));
            nodes.save(i, new TlsNodes.Text(nodes.address(i)).peer(nodes.address(3 - i), Keys.get("n" + (3 - i)).pin())
                    .tls("required"));
        }
        nodes.startAll(PAIR);
        nodes.awaitWhole(Duration.ofSeconds(15), PAIR);
        Map<String, Long> ids = nodes.ids(PAIR);
        long reloads = nodes.reloads(1);
        long rejections = nodes.rejections(1);

        String whole = new TlsNodes.Text(nodes.address(1)).peer(nodes.address(2), Keys.get("n2").pin())
                .tls("required").toString();
        byte[] bytes = whole.getBytes(StandardCharsets.UTF_8);
        int cut = whole.indexOf("[tls]");
        for (int round = 0; round < Integer.getInteger("storm.rounds", 200); round++) {
            try (RandomAccessFile raf = new RandomAccessFile(nodes.ini(1).toFile(), "rw")) {
                raf.setLength(0);
                raf.write(bytes, 0, cut);
                Thread.sleep(50);
                raf.write(bytes, cut, bytes.length - cut);
            }
        }
        // Past the storm, a marker: a save that does change something (a [connection] key) applies, so every
        // reading of the storm has been made by then.
        nodes.save(1, new TlsNodes.Text(nodes.address(1)).peer(nodes.address(2), Keys.get("n2").pin())
                .connection("reconnect_min_ms = 101").tls("required"));
        nodes.awaitReload(1, reloads, Duration.ofSeconds(15));
        assertEquals(reloads + 1, nodes.reloads(1), "only the marker applied; no half-written file did");
        assertEquals(rejections, nodes.rejections(1), "and none was rejected");
        assertEquals(ids, nodes.ids(PAIR), "no connection closed");
        assertEquals("required", nodes.pool(1, "TlsMode"));
    }
}
