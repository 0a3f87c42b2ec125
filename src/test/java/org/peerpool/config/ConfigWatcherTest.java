package org.peerpool.config;

import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.peerpool.testing.Await;
import org.peerpool.testing.Ini;
import org.peerpool.testing.TestNet;
import org.peerpool.wire.NodeAddress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The watcher sees every way a file is saved, folds bursts into one reload, and
 * rejects a bad file whole, keeping the previous snapshot.
 */
@Timeout(30)
class ConfigWatcherTest {

    private static final NodeAddress SELF = TestNet.address(1, 7100);
    private static final NodeAddress P2 = TestNet.address(2, 7100);
    private static final NodeAddress P3 = TestNet.address(3, 7100);

    @TempDir
    Path dir;

    private ConfigWatcher watcher;
    private final ConcurrentLinkedQueue<NodeConfig> applied = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<String> rejected = new ConcurrentLinkedQueue<>();

    @AfterEach
    void close() {
        if (watcher != null) {
            watcher.close();
        }
    }

    private Path start(String text) throws Exception {
        Path file = dir.resolve("peerpool.ini");
        Ini.writeInPlace(file, text);
        watcher = ConfigWatcher.load(file);
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
        return file;
    }

    private void awaitPeers(List<NodeAddress> peers) {
        Await.until(Duration.ofSeconds(5), () -> watcher.status().config().peers().equals(peers),
                () -> "peers now " + watcher.status().config().peers());
    }

    @Test
    void inPlaceSaveIsApplied() throws Exception {
        Path file = start(Ini.text(SELF, List.of(P2)));
        Ini.writeInPlace(file, Ini.text(SELF, List.of(P2, P3)));
        awaitPeers(List.of(P2, P3));
        assertEquals(1, watcher.status().reloadCount());
        assertEquals(List.of(P2, P3), applied.peek().peers());
    }

    @Test
    void writeThenRenameIsApplied() throws Exception {
        Path file = start(Ini.text(SELF, List.of(P2)));
        Ini.writeThenRename(file, Ini.text(SELF, List.of(P3)));
        awaitPeers(List.of(P3));
    }

    @Test
    void truncateThenWriteInTwoStepsIsOneReloadAndNeverAPartialFile() throws Exception {
        Path file = start(Ini.text(SELF, List.of(P2)));
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(0);
            raf.getFD().sync();
            Thread.sleep(30);
            raf.write(Ini.text(SELF, List.of(P2, P3)).getBytes(StandardCharsets.UTF_8));
        }
        awaitPeers(List.of(P2, P3));
        assertEquals(List.of(), List.copyOf(rejected), "the empty moment was never read");
        assertEquals(1, watcher.status().reloadCount());
    }

    /**
     * A file rewritten in place in two chunks 50 ms apart, with a check (as the periodic
     * poll or a JMX reload would) reading it between the chunks: the half-written file,
     * itself valid with one peer fewer, is never applied.
     */
    @Test
    void aFileWrittenInTwoChunksIsNeverAppliedHalfDone() throws Exception {
        List<NodeAddress> two = List.of(P2, P3);
        List<NodeAddress> one = List.of(P3);
        Path file = start(Ini.text(SELF, one));
        for (int i = 0; i < 8; i++) {
            List<NodeAddress> next = i % 2 == 0 ? two : one;
            byte[] whole = Ini.text(SELF, next).getBytes(StandardCharsets.UTF_8);
            int cut = Ini.text(SELF, next).lastIndexOf("peer = ");
            Thread reader;
            try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
                raf.setLength(0);
                raf.write(whole, 0, cut);
                reader = new Thread(watcher::check);
                reader.start();
                Thread.sleep(50);
                raf.write(whole, cut, whole.length - cut);
            }
            reader.join();
            awaitPeers(next);
        }
        for (NodeConfig c : applied) {
            assertTrue(c.peers().equals(two) || c.peers().equals(one), "half-written file applied: " + c.peers());
        }
        assertEquals(List.of(), List.copyOf(rejected));
    }

    @Test
    void aCopyThatKeepsTheOldMtimeIsStillSeen() throws Exception {
        Path file = start(Ini.text(SELF, List.of(P2)));
        FileTime before = Files.getLastModifiedTime(file);
        Ini.writeInPlace(file, Ini.text(SELF, List.of(P3)));
        Files.setLastModifiedTime(file, before);
        awaitPeers(List.of(P3));
    }

    @Test
    void aSettledUnchangedFileIsJudgedByItsStampAndAnEditOfTheSameSizeAndMtimeIsStillSeen() throws Exception {
        Path file = start(Ini.text(SELF, List.of(P2)));
        // Settled: its times FileStamp.SETTLED_MS old at a periodic check.
        Await.until(Duration.ofSeconds(10), watcher::judgesByStamp, () -> "still reading the content at every check");
        int reads = watcher.contentReads();
        assertFalse(watcher.reloadNow());
        assertFalse(watcher.reloadNow());
        assertEquals(reads, watcher.contentReads(), "an unchanged file was read again");
        FileTime before = Files.getLastModifiedTime(file);
        String same = Ini.text(SELF, List.of(P3));
        assertEquals(Files.size(file), same.length(), "the edit keeps the size");
        Ini.writeInPlace(file, same);
        Files.setLastModifiedTime(file, before);
        awaitPeers(List.of(P3));
    }

    @Test
    void aWatcherNotStartedAppliesAndCountsNothing() throws Exception {
        Path file = dir.resolve("peerpool.ini");
        Ini.writeInPlace(file, Ini.text(SELF, List.of(P2)));
        watcher = ConfigWatcher.load(file);
        // Nothing would put it into effect: a reload now would only report a change that never happened.
        Ini.writeInPlace(file, Ini.text(SELF, List.of(P3)));
        assertFalse(watcher.reloadNow());
        assertEquals(List.of(P2), watcher.status().config().peers());
        assertEquals(0, watcher.status().reloadCount());
        assertEquals(0, watcher.status().rejectedCount());
    }

    @Test
    void twentyWritesWithinOneHundredMillisecondsAreOneReload() throws Exception {
        Path file = start(Ini.text(SELF, List.of(P2)));
        for (int i = 0; i < 20; i++) {
            Ini.writeInPlace(file, Ini.text(SELF, List.of(P2, P3), "heartbeat_interval_s = " + (10 + i)));
            Thread.sleep(5);
        }
        Await.until(Duration.ofSeconds(5), () -> watcher.status().config().heartbeatIntervalS() == 29, "last write applied");
        // Stay a while past the debounce window to see that no second reload comes.
        long until = System.nanoTime() + Duration.ofMillis(ConfigWatcher.MAX_DELAY_MS * 2).toNanos();
        while (System.nanoTime() < until) {
            assertEquals(1, watcher.status().reloadCount(), "reloads");
            Thread.sleep(20);
        }
        assertEquals(1, applied.size());
    }

    @Test
    void aRejectedFileKeepsThePreviousConfigLogsOnceAndALaterValidSaveApplies() throws Exception {
        Path file = start(Ini.text(SELF, List.of(P2)));
        NodeConfig before = watcher.status().config();
        Ini.writeInPlace(file, Ini.text(SELF, List.of(P2), "keepalive_idle_s = -5"));
        Await.until(Duration.ofSeconds(5), () -> watcher.status().rejectedCount() == 1, "rejected");
        assertEquals(before, watcher.status().config());
        assertTrue(watcher.status().lastError().contains("keepalive_idle_s"), watcher.status().lastError());
        assertTrue(applied.isEmpty(), "nothing applied");
        assertFalse(watcher.check(), "the same bad content is not judged again");
        assertEquals(1, watcher.status().rejectedCount());
        Ini.writeInPlace(file, Ini.text(SELF, List.of(P3)));
        awaitPeers(List.of(P3));
        assertEquals("", watcher.status().lastError());
    }

    @Test
    void aDeletedFileIsRejectedOnceAndItsReturnIsApplied() throws Exception {
        Path file = start(Ini.text(SELF, List.of(P2)));
        Files.delete(file);
        Await.until(Duration.ofSeconds(5), () -> watcher.status().rejectedCount() == 1, "rejected");
        assertTrue(watcher.status().lastError().contains("not found"), watcher.status().lastError());
        assertFalse(watcher.check());
        assertEquals(1, watcher.status().rejectedCount());
        Ini.writeThenRename(file, Ini.text(SELF, List.of(P2, P3)));
        awaitPeers(List.of(P2, P3));
    }

    @Test
    void anApplierFailureRejectsTheFile() throws Exception {
        Path file = dir.resolve("peerpool.ini");
        Ini.writeInPlace(file, Ini.text(SELF, List.of(P2)));
        watcher = ConfigWatcher.load(file);
        AtomicInteger calls = new AtomicInteger();
        watcher.start(next -> {
            calls.incrementAndGet();
            throw new java.io.IOException("cannot listen on 127.0.0.9:7100: Address already in use");
        });
        Ini.writeInPlace(file, Ini.text(SELF, List.of(P3)));
        Await.until(Duration.ofSeconds(5), () -> watcher.status().rejectedCount() == 1, "rejected");
        assertEquals(List.of(P2), watcher.status().config().peers());
        assertTrue(watcher.status().lastError().contains("Address already in use"), watcher.status().lastError());
        assertEquals(1, calls.get());
    }

    @Test
    void aBadFileAtStartUpThrows() throws Exception {
        Path file = dir.resolve("peerpool.ini");
        Ini.writeInPlace(file, "[network]\nport = 7100\n");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigWatcher.load(file));
        assertTrue(e.getMessage().contains("local_ip"), e.getMessage());
    }

    @Test
    void closeEndsTheThread() throws Exception {
        start(Ini.text(SELF, List.of(P2)));
        watcher.close();
        Await.until(Duration.ofSeconds(3), () -> Thread.getAllStackTraces().keySet().stream()
                .noneMatch(t -> t.getName().startsWith("peerpool-config-") && t.isAlive()), "watcher thread gone");
    }
}
