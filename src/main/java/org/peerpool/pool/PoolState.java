package org.peerpool.pool;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.peerpool.config.NodeConfig;
import org.peerpool.wire.NodeAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pool's one lock and everything it guards: the map from peer address to that
 * peer's entry, the accepted connections still in handshake, the configuration in
 * force and the accepting and dialing switches. Every collaborator of the pool works
 * on this one object, so peer state has one home and one lock.
 *
 * <p>Work done under the lock may not log, complete a caller's future or call a
 * listener; it hands such work to {@link #afterUnlockLocked}, which runs it on the
 * same thread once the outermost {@link #locked} section has released the lock, in
 * the order it was handed over.
 */
final class PoolState {

    private static final Logger log = LoggerFactory.getLogger(ConnectionPool.class);

    private final Object lock = new Object();
    // Guarded by lock.
    private final List<Runnable> afterUnlock = new ArrayList<>();
    private int depth;
    /** The thread inside the outermost section, for {@link #assertLocked} (Thread.holdsLock is a call into the VM). */
    private Thread owner;
    private long sections;
    private final Map<NodeAddress, PeerEntry> peers = new HashMap<>();
    /** Sockets of removed entries still closing, kept so a new entry for the address waits for them. */
    private final Map<NodeAddress, PeerEntry> departed = new HashMap<>();
    private final PendingHandshakes unidentified = new PendingHandshakes();
    private boolean accepting;
    private boolean dialing;
    private Dialer dialer;

    private volatile NodeConfig config;
    private volatile NodeAddress self;

    final ScheduledExecutorService timer;
    final PoolClock clock;
    final PeerEvents events;
    final PoolCounters counters = new PoolCounters();
    final PoolLog poolLog;

    PoolState(NodeConfig config, ScheduledExecutorService timer, PoolClock clock, PeerEvents events) {
        this.config = config;
        this.clock = clock;
        this.self = config.self();
        this.timer = timer;
        this.events = events;
        this.poolLog = new PoolLog(this);
    }

    // ---------------------------------------------------------------- the lock

    /** Runs {@code work} under the lock, then what it deferred, outside it. */
    void locked(Runnable work) {
        locked(() -> {
            work.run();
            return null;
        });
    }

    /** Runs {@code work} under the lock and returns its result, after running what it deferred outside the lock. */
    <T> T locked(Supplier<T> work) {
        T result;
        List<Runnable> deferred = null;
        synchronized (lock) {
            if (depth++ == 0) {
                sections++;
                owner = Thread.currentThread();
            }
            try {
                result = work.get();
            } finally {
                if (--depth == 0) {
                    owner = null;
                    if (!afterUnlock.isEmpty()) {
                        deferred = new ArrayList<>(afterUnlock);
                        afterUnlock.clear();
                    }
                }
            }
        }
        if (deferred != null) {
            for (Runnable r : deferred) {
                try {
                    r.run();
                } catch (RuntimeException e) {
                    log.warn("{} - Deferred pool task failed", self, e);
                }
            }
        }
        return result;
    }

    /**
     * How many outermost locked sections have begun: peer state changes only inside one, so
     * the simulator re-checks a pool's invariants only when this moved. Read without the
     * lock, it is exact only for a single-threaded caller, which the simulator is.
     */
    long sectionsBegun() {
        return sections;
    }

    /** Fails (with -ea) when the calling thread does not hold the lock. */
    void assertLocked() {
        // Read without the lock: only the owner itself can see its own thread here.
        assert owner == Thread.currentThread() : "needs the pool lock";
    }

    /** Runs {@code r} on this thread once the lock is released: logging, futures, anything foreign. */
    void afterUnlockLocked(Runnable r) {
        assertLocked();
        afterUnlock.add(r);
    }

    /** Schedules {@code work} to run under the lock after {@code delayMs}; null once the timer is gone. */
    ScheduledFuture<?> scheduleLocked(Runnable work, long delay, TimeUnit unit) {
        assertLocked();
        try {
            return timer.schedule(() -> locked(work), delay, unit);
        } catch (RejectedExecutionException stopped) {
            // The agent is stopping: nothing is planned any more.
            return null;
        }
    }

    static void cancel(ScheduledFuture<?> f) {
        if (f != null) {
            f.cancel(false);
        }
    }

    // ---------------------------------------------------------------- guarded state

    Map<NodeAddress, PeerEntry> peersLocked() {
        assertLocked();
        return peers;
    }

    /**
     * Registers a new entry. A peer removed and listed again (or an unlisted peer that
     * left and came back) may still have a socket closing here: the new entry takes it
     * over, so it dials only once that socket is gone.
     */
    void putEntryLocked(PeerEntry e) {
        assertLocked();
        PeerEntry before = departed.remove(e.address);
        if (before != null) {
            e.adoptEnding(before);
        }
        peers.put(e.address, e);
    }

    /** Unregisters {@code e}; true if it was registered. */
    boolean removeEntryLocked(PeerEntry e) {
        assertLocked();
        if (!peers.remove(e.address, e)) {
            return false;
        }
        departed.values().removeIf(d -> !d.socketsOpenLocked());
        if (e.socketsOpenLocked()) {
            departed.put(e.address, e);
        }
        return true;
    }

    PeerEntry entryLocked(NodeAddress peer) {
        assertLocked();
        return peer == null ? null : peers.get(peer);
    }

    PendingHandshakes unidentifiedLocked() {
        assertLocked();
        return unidentified;
    }

    boolean acceptingLocked() {
        assertLocked();
        return accepting;
    }

    void setAcceptingLocked(boolean on) {
        assertLocked();
        accepting = on;
    }

    boolean dialingLocked() {
        assertLocked();
        return dialing;
    }

    Dialer dialerLocked() {
        assertLocked();
        return dialer;
    }

    void startDialingLocked(Dialer d) {
        assertLocked();
        dialer = d;
        dialing = true;
    }

    void stopDialingLocked() {
        assertLocked();
        dialing = false;
    }

    /** Swaps in a new configuration (readers see it at once; decisions are taken under the lock). */
    void setConfigLocked(NodeConfig next) {
        assertLocked();
        config = next;
        self = next.self();
    }

    NodeConfig config() {
        return config;
    }

    NodeAddress self() {
        return self;
    }

    /** The direction rule: this node initiates exactly when its address is the lower one. */
    boolean initiator(NodeAddress peer) {
        return self.compareTo(peer) < 0;
    }
}
