package org.peerpool.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches one config file and applies each saved change as a whole, or rejects it as
 * a whole. Every way an editor saves is seen, because the watch is on the directory
 * (in place, write-then-rename, truncate-then-write) and a slow periodic check compares
 * the content, not the mtime (a copy that keeps the old mtime, an event the kernel
 * dropped). A burst of writes is folded into one reload by waiting for the file to
 * be quiet, which also keeps a half-written file from being read. A file whose
 * content is unchanged since the last attempt is not read again, so a rejected file
 * logs its ERROR once.
 *
 * <p>States: NEW, RUNNING, then STOPPED; a listener or applier that throws is logged
 * and the watcher carries on.
 */
public final class ConfigWatcher implements ConfigControl, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ConfigWatcher.class);

    /** A change is read once the file has been quiet this long... */
    public static final long QUIET_MS = 150;
    /** ...or this long after the first event of a burst, whichever comes first. */
    static final long MAX_DELAY_MS = 700;
    /** The content check that catches whatever events missed. */
    public static final long POLL_MS = 2000;

    /** Puts a validated snapshot into effect, or throws to have it rejected (e.g. cannot bind). */
    @FunctionalInterface
    public interface Applier {
        void apply(NodeConfig next) throws Exception;
    }

    private enum State { NEW, RUNNING, STOPPED }

    private final Path file;
    private final List<ConfigListener> listeners = new CopyOnWriteArrayList<>();
    private volatile ConfigStatus status;
    /** The content last applied, or last rejected as invalid: not read again until it changes. */
    private byte[] lastSeenDigest;
    /** The stamp of that content once settled; an equal stamp at a check means nothing to read. */
    private FileStamp quietStamp;
    /** Checks that read the file's content; for tests. */
    private volatile int contentReads;
    /** Valid content whose apply failed: tried again at every check until it applies or changes. */
    private byte[] failedApplyDigest;
    private volatile State state = State.NEW;
    private Applier applier;
    private volatile Thread thread;
    /**
     * The one thread that reads, judges and applies the file. Checks asked for by the
     * watch loop, JMX or a test queue up for it, so nothing of a check (the apply, its
     * logging, the listeners) ever runs under a lock another caller waits on.
     */
    private volatile ExecutorService checker;
    private volatile Thread checkerThread;
    private volatile WatchService watchService;
    /**
     * The keystore the file named at its last reading, valid or not: its content counts
     * as part of the file's, so a rotated or repaired keystore is a reload too.
     */
    private volatile Path keystore;

    private ConfigWatcher(Path file, NodeConfig config, String text) {
        this.file = file;
        this.status = new ConfigStatus(file, config, Instant.now(), 0, 0, "");
        this.keystore = config.tls().keystore();
        this.lastSeenDigest = digest(text);
    }

    /**
     * Loads {@code file} for start-up; a bad file throws, so the node does not start.
     * Warnings (own address in the peer list, duplicates) are logged.
     */
    public static ConfigWatcher load(Path file) throws ConfigException {
        Path abs = file.toAbsolutePath().normalize();
        String text = ConfigLoader.readText(abs);
        ConfigLoader.LoadResult r = ConfigLoader.parseWithWarnings(text, file.toString());
        r.warnings().forEach(w -> log.warn("{}", w));
        return new ConfigWatcher(abs, r.config(), text);
    }

    /** Starts watching; each accepted change goes through {@code applier} before it counts. */
    public synchronized void start(Applier applyWith) throws IOException {
        if (state != State.NEW) {
            throw new IllegalStateException("watcher for " + file + " is " + state);
        }
        this.applier = applyWith;
        ThreadPoolExecutor one = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(),
                r -> {
                    Thread t = new Thread(r, "peerpool-config-apply-" + file.getFileName());
                    t.setDaemon(true);
                    checkerThread = t;
                    return t;
                });
        // Started now, not at the first check: a node's thread count stays what it was at start.
        one.prestartCoreThread();
        checker = one;
        watchService = FileSystems.getDefault().newWatchService();
        register();
        watchKeystoreDir();
        state = State.RUNNING;
        thread = new Thread(this::run, "peerpool-config-" + file.getFileName());
        thread.setDaemon(true);
        thread.start();
    }

    private WatchKey register() {
        try {
            return file.getParent().register(watchService, StandardWatchEventKinds.ENTRY_CREATE,
                    StandardWatchEventKinds.ENTRY_MODIFY, StandardWatchEventKinds.ENTRY_DELETE);
        } catch (IOException e) {
            // The directory may be gone for a moment (replaced whole); the periodic check covers it.
            log.debug("Cannot watch {}: {}", file.getParent(), e.toString());
            return null;
        }
    }

    /**
     * Watches the keystore's directory too when it is not the file's, so a new keystore
     * there is a reload within a second, not at the next periodic check.
     */
    private void watchKeystoreDir() {
        Path ks = keystore;
        WatchService ws = watchService;
        if (ks == null || ws == null || ks.getParent() == null || ks.getParent().equals(file.getParent())) {
            return;
        }
        try {
            ks.getParent().register(ws, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
                    StandardWatchEventKinds.ENTRY_DELETE);
        } catch (IOException | ClosedWatchServiceException e) {
            log.debug("Cannot watch {}: {}", ks.getParent(), e.toString());
        }
    }

    private void run() {
        long firstEvent = -1;
        long lastEvent = -1;
        long nextPoll = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(POLL_MS);
        WatchKey key = null;
        while (state == State.RUNNING) {
            try {
                long now = System.nanoTime();
                long wakeAt = firstEvent < 0 ? nextPoll
                        : Math.min(lastEvent + TimeUnit.MILLISECONDS.toNanos(QUIET_MS),
                        firstEvent + TimeUnit.MILLISECONDS.toNanos(MAX_DELAY_MS));
                WatchKey got = watchService.poll(Math.max(1, wakeAt - now), TimeUnit.NANOSECONDS);
                if (got != null) {
                    key = got;
                    if (concernsFile(got)) {
                        lastEvent = System.nanoTime();
                        if (firstEvent < 0) {
                            firstEvent = lastEvent;
                        }
                    }
                    if (!got.reset()) {
                        key = null;
                    }
                }
                now = System.nanoTime();
                boolean burstOver = firstEvent >= 0 && (now - lastEvent >= TimeUnit.MILLISECONDS.toNanos(QUIET_MS)
                        || now - firstEvent >= TimeUnit.MILLISECONDS.toNanos(MAX_DELAY_MS));
                if (burstOver || now >= nextPoll) {
                    firstEvent = -1;
                    nextPoll = now + TimeUnit.MILLISECONDS.toNanos(POLL_MS);
                    if (key == null) {
                        key = register();
                    }
                    check();
                }
            } catch (InterruptedException | ClosedWatchServiceException e) {
                return;
            } catch (RuntimeException e) {
                log.warn("Config watcher for {} hit an error; carrying on", file, e);
            }
        }
    }

    private boolean concernsFile(WatchKey key) {
        boolean concerns = false;
        Path dir = (Path) key.watchable();
        for (WatchEvent<?> ev : key.pollEvents()) {
            // OVERFLOW means events were lost: assume ours was among them.
            Path changed = ev.context() instanceof Path name ? dir.resolve(name) : null;
            if (ev.kind() == StandardWatchEventKinds.OVERFLOW || file.equals(changed)
                    || (changed != null && changed.equals(keystore))) {
                concerns = true;
            }
        }
        return concerns;
    }

    /** How many checks read the file's content so far; for tests. */
    int contentReads() {
        return contentReads;
    }

    /** True once an unchanged settled file is judged by its stamp alone; for tests. */
    boolean judgesByStamp() {
        return quietStamp != null;
    }

    @Override
    public ConfigStatus status() {
        return status;
    }

    @Override
    public boolean reloadNow() {
        return check();
    }

    /**
     * Runs one check on the checker thread and waits for its outcome: true when a new
     * configuration was applied. Only a running watcher checks anything.
     */
    boolean check() {
        ExecutorService c = checker;
        if (state != State.RUNNING || c == null) {
            return false;
        }
        if (Thread.currentThread() == checkerThread) {
            // A listener or applier asking for a reload: it is already on the one thread that may check.
            return checkOnce();
        }
        Future<Boolean> outcome;
        try {
            outcome = c.submit(this::checkOnce);
        } catch (RejectedExecutionException stopped) {
            return false;
        }
        try {
            return outcome.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException e) {
            log.warn("Config check of {} failed", file, e.getCause());
            return false;
        }
    }

    /**
     * Reads the file; applies it if its content changed, a second reading a quiet
     * interval later agrees (a file being written in chunks is not applied half done)
     * and it validates. A file that does not validate is rejected once and not read
     * again until it changes; a valid file whose apply failed (its port is taken, say)
     * is not taken as seen, so the next check tries it again, logging the same failure
     * only once. Runs on the checker thread only, so its state needs no lock.
     */
    private boolean checkOnce() {
        if (state != State.RUNNING) {
            return false;
        }
        long stampedAt = System.currentTimeMillis();
        FileStamp stamp = FileStamp.of(file, keystore);
        if (stamp != null && stamp.equals(quietStamp)) {
            return false;
        }
        String text;
        // The stamp's own modification time, so that it and the text below come from one stat, not two.
        FileTime writtenAt = stamp != null ? stamp.modified() : modified(file);
        contentReads++;
        try {
            text = ConfigLoader.readText(file);
        } catch (ConfigException e) {
            // Missing, unreadable, or holding keystore_password while others may read it: once it
            // reads again (a chmod 600 alone will do), its content counts as changed and is judged.
            return rejectOnce(new byte[0], e.getMessage());
        }
        byte[] digest = digest(text);
        if (Arrays.equals(digest, lastSeenDigest)) {
            // Seen and unchanged: from now on an unchanged stamp stands for this content.
            quietStamp = stamp != null && stamp.settledBy(stampedAt) ? stamp : null;
            return false;
        }
        if (!steady(digest, writtenAt)) {
            // Still being written: the writes that follow are events, and the periodic check comes anyway.
            log.debug("{} changed while being read; checked again later", file);
            return false;
        }
        boolean retry = Arrays.equals(digest, failedApplyDigest);
        NodeConfig next;
        try {
            ConfigLoader.LoadResult r = ConfigLoader.parseWithWarnings(text, file.toString());
            if (!retry) {
                r.warnings().forEach(w -> log.warn("{}", w));
            }
            next = r.config();
            digest = followKeystore(next.tls().keystore(), text, digest);
        } catch (ConfigException e) {
            lastSeenDigest = followKeystore(e.keystore(), text, digest);
            failedApplyDigest = null;
            return reject(e.getMessage());
        }
        NodeConfig previous = status.config();
        try {
            applier.apply(next);
        } catch (Exception e) {
            String message = file + ": cannot apply: " + (e.getMessage() == null ? e : e.getMessage())
                    + " (tried again at every check)";
            boolean same = retry && message.equals(status.lastError());
            failedApplyDigest = digest;
            if (same) {
                log.debug("Config apply still fails, will retry: {}", message);
                return false;
            }
            return reject(message);
        }
        lastSeenDigest = digest;
        failedApplyDigest = null;
        ConfigStatus s = status;
        status = new ConfigStatus(file, next, Instant.now(), s.reloadCount() + 1, s.rejectedCount(), "");
        log.info("Config reloaded from {}: {} peers", file, next.peers().size());
        for (ConfigListener l : listeners) {
            try {
                l.onReloaded(previous, status);
            } catch (RuntimeException e) {
                log.warn("Config listener failed", e);
            }
        }
        return true;
    }

    /**
     * Whether the file was left alone for {@link #QUIET_MS}: not written since
     * {@code writtenAt} (a program rewriting it in chunks over and over leaves the same
     * half at every reading, so equal readings alone are not enough) and still reading,
     * with its keystore, as {@code digest}.
     */
    private boolean steady(byte[] digest, FileTime writtenAt) {
        try {
            Thread.sleep(QUIET_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        try {
            return writtenAt != null && writtenAt.equals(modified(file))
                    && Arrays.equals(digest, digest(ConfigLoader.readText(file)));
        } catch (ConfigException e) {
            return false;
        }
    }

    /** When the file was last written (to the nanosecond where the file system keeps it), or null. */
    private static FileTime modified(Path f) {
        try {
            return Files.getLastModifiedTime(f);
        } catch (IOException e) {
            return null;
        }
    }

    /** A missing or unreadable file is rejected once, not on every periodic check. */
    private boolean rejectOnce(byte[] digest, String message) {
        if (Arrays.equals(digest, lastSeenDigest)) {
            return false;
        }
        lastSeenDigest = digest;
        return reject(message);
    }

    private boolean reject(String message) {
        ConfigStatus s = status;
        status = new ConfigStatus(file, s.config(), s.loadedAt(), s.reloadCount(), s.rejectedCount() + 1, message);
        log.error("Config rejected, still running on the previous one: {}", message);
        for (ConfigListener l : listeners) {
            try {
                l.onRejected(message, status);
            } catch (RuntimeException e) {
                log.warn("Config listener failed", e);
            }
        }
        return false;
    }

    /** The digest of {@code text} with the keystore it names, once the reading told which that is. */
    private byte[] followKeystore(Path named, String text, byte[] digest) {
        if (Objects.equals(named, keystore)) {
            return digest;
        }
        keystore = named;
        watchKeystoreDir();
        return digest(text);
    }

    /** The file's text and the current content of the keystore it named last (absent counts as empty). */
    private byte[] digest(String text) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            d.update(text.getBytes(StandardCharsets.UTF_8));
            Path ks = keystore;
            if (ks != null) {
                d.update((byte) 0);
                try {
                    // A FIFO or /dev/zero would be read forever: such a path counts by its name only.
                    d.update(KeystoreFile.readable(ks) ? Files.readAllBytes(ks)
                            : "not a regular file under the cap".getBytes(StandardCharsets.UTF_8));
                } catch (IOException e) {
                    d.update(e.getClass().getName().getBytes(StandardCharsets.UTF_8));
                }
            }
            return d.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    @Override
    public void addListener(ConfigListener listener) {
        listeners.add(listener);
    }

    @Override
    public void removeListener(ConfigListener listener) {
        listeners.remove(listener);
    }

    /**
     * Stops watching; the threads end and the watch service is closed. Takes no lock a
     * running reload holds, so it may be called while a reload is being applied.
     */
    @Override
    public void close() {
        if (state == State.STOPPED) {
            return;
        }
        state = State.STOPPED;
        try {
            if (watchService != null) {
                watchService.close();
            }
        } catch (IOException e) {
            log.debug("Closing watch service: {}", e.toString());
        }
        Thread t = thread;
        if (t != null && t != Thread.currentThread()) {
            t.interrupt();
            try {
                t.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        ExecutorService c = checker;
        if (c != null) {
            // A check in its quiet wait ends at once; one applying is let finish, briefly.
            c.shutdownNow();
            if (Thread.currentThread() != checkerThread) {
                try {
                    c.awaitTermination(2, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }
}
