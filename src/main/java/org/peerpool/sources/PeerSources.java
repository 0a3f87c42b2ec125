package org.peerpool.sources;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.peerpool.config.DnsName;
import org.peerpool.config.NodeConfig;
import org.peerpool.config.PeerSourceSettings;
import org.peerpool.tls.KeyPin;
import org.peerpool.wire.NodeAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a node's {@code [peers]} sources (DESIGN.md A2) on one daemon thread, named
 * {@code peerpool-sources-NODE}: the file is read, the DNS names are resolved, and
 * whenever a source's list changes the node is told to re-merge ({@link PeerMerge}) and
 * apply. Reading and resolving never run under a lock or on an I/O thread. A
 * reconfiguration keeps the sources that stayed (with their lists) and starts or stops
 * the others. The lists and problems are published as immutable snapshots for
 * {@link #merge} and JMX.
 */
public final class PeerSources implements SourcesView, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PeerSources.class);

    /** A source as configured: its identity, which a reload keeps or changes. */
    private record FileKey(Path file, int defaultPort) {
    }

    /** A source running on the thread: what it is, its standing and its schedule. */
    private static final class Running {
        final PeerSource source;
        final SourceState state;
        final ScheduledFuture<?> task;

        Running(PeerSource source, SourceState state, ScheduledFuture<?> task) {
            this.source = source;
            this.state = state;
            this.task = task;
        }
    }

    private final String node;
    private final PeerResolver resolver;
    private final Runnable onChange;
    private final ScheduledThreadPoolExecutor thread;

    // Confined to the sources thread.
    private final Map<Object, Running> running = new LinkedHashMap<>();

    // Published for any thread.
    private volatile Map<String, Map<NodeAddress, Set<KeyPin>>> lists = Map.of();
    private volatile List<String> problems = List.of();
    private volatile PeerMerge.Merged lastMerge;
    /** Whether any source was ever configured, so the thread has something to stop. */
    private volatile boolean everConfigured;
    private final AtomicReference<Set<String>> refusalsLogged = new AtomicReference<>(Set.of());

    /**
     * Sources for {@code node}, asking DNS through {@code resolver} and calling
     * {@code onChange} (on the sources thread, holding no lock) when a list changed.
     * No thread runs until the first source is configured.
     */
    public PeerSources(String node, PeerResolver resolver, Runnable onChange) {
        this.node = node;
        this.resolver = Objects.requireNonNull(resolver, "resolver");
        this.onChange = Objects.requireNonNull(onChange, "onChange");
        this.thread = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "peerpool-sources-" + node);
            t.setDaemon(true);
            return t;
        });
        thread.setRemoveOnCancelPolicy(true);
        thread.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    }

    /**
     * Runs the sources {@code ini}'s {@code [peers]} section names, from now on. Returns at
     * once, logging nothing (callers may hold a lock); the change is made on the sources
     * thread, in the order of the calls.
     */
    public void configure(NodeConfig ini) {
        if (!ini.sources().any() && !everConfigured) {
            // Never had a source: no thread is started for nothing.
            return;
        }
        everConfigured = true;
        try {
            thread.execute(() -> reconfigure(ini.sources(), ini.port()));
        } catch (RejectedExecutionException closed) {
            // The node is stopping: there is nothing left to run the sources for.
        }
    }

    private void reconfigure(PeerSourceSettings next, int port) {
        Map<Object, PeerSource> wanted = new LinkedHashMap<>();
        if (next.file() != null) {
            wanted.put(new FileKey(next.file(), port), new FileSource(next.file(), port));
        }
        for (DnsName name : next.dns()) {
            wanted.put(name, new DnsSource(name, resolver, next.dnsRefreshS()));
        }
        boolean changed = false;
        for (var it = running.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Object, Running> e = it.next();
            if (!wanted.containsKey(e.getKey())) {
                e.getValue().task.cancel(false);
                it.remove();
                changed |= !e.getValue().state.current().isEmpty();
                log.info("{} - Peer source {} removed", node, e.getValue().source.label());
            }
        }
        for (Map.Entry<Object, PeerSource> e : wanted.entrySet()) {
            Running was = running.get(e.getKey());
            if (was != null && was.source.periodMs() == e.getValue().periodMs()) {
                was.state.maxDropFraction(next.maxDropFraction());
                continue;
            }
            SourceState state = was != null ? was.state
                    : new SourceState(node, e.getValue().label(), next.maxDropFraction());
            state.maxDropFraction(next.maxDropFraction());
            if (was != null) {
                // Only its period changed: it keeps its list and starts over on the new schedule.
                was.task.cancel(false);
            } else {
                log.info("{} - Peer source {} added", node, e.getValue().label());
            }
            running.put(e.getKey(), schedule(e.getValue(), state));
        }
        publish(changed);
    }

    /**
     * Called on the sources thread, so the first ask cannot run before the returned
     * {@link Running} is in place; a cancelled one never runs again, for the same reason.
     */
    private Running schedule(PeerSource source, SourceState state) {
        Running[] self = new Running[1];
        ScheduledFuture<?> task = thread.scheduleWithFixedDelay(() -> tick(self[0]), 0, source.periodMs(),
                TimeUnit.MILLISECONDS);
        self[0] = new Running(source, state, task);
        return self[0];
    }

    /** One ask of one source; a throw here would end its schedule, so none escapes. */
    private void tick(Running r) {
        try {
            boolean changed;
            try {
                Map<NodeAddress, Set<KeyPin>> answer = r.source.fetch();
                changed = answer != null && r.state.answer(answer, r.source.holdMs(), System.nanoTime());
            } catch (SourceException e) {
                r.state.fail(e);
                changed = false;
            }
            publish(changed);
        } catch (RuntimeException e) {
            log.warn("{} - Peer source {} hit an error; carrying on", node, r.source.label(), e);
        }
    }

    /** Publishes the lists and problems; tells the node when a list changed. */
    private void publish(boolean listsChanged) {
        Map<String, Map<NodeAddress, Set<KeyPin>>> l = new TreeMap<>();
        List<String> p = new ArrayList<>();
        for (Running r : running.values()) {
            l.put(r.source.label(), r.state.current());
            if (r.state.problem() != null) {
                p.add(r.state.problem());
            }
        }
        lists = Map.copyOf(l);
        problems = List.copyOf(p);
        if (listsChanged) {
            onChange.run();
        }
    }

    /**
     * {@code ini} merged with the sources' lists as published now. Pure but for
     * remembering the result for JMX; safe under the caller's lock.
     */
    public PeerMerge.Merged merge(NodeConfig ini) {
        PeerMerge.Merged m = PeerMerge.merge(ini, lists);
        lastMerge = m;
        return m;
    }

    /** Logs each refused source peer once, until it is no longer refused; call holding no lock. */
    public void logRefusals(PeerMerge.Merged m) {
        Set<String> now = Set.copyOf(m.refused());
        Set<String> before = refusalsLogged.getAndSet(now);
        Set<String> fresh = new HashSet<>(now);
        fresh.removeAll(before);
        for (String r : fresh) {
            log.warn("{} - Peer source {}", node, r);
        }
    }

    @Override
    public List<String> sourcesOf(NodeAddress peer) {
        PeerMerge.Merged m = lastMerge;
        return m == null ? List.of() : m.sourcesOf().getOrDefault(peer, List.of());
    }

    @Override
    public List<String> errors() {
        PeerMerge.Merged m = lastMerge;
        List<String> out = new ArrayList<>(problems);
        if (m != null) {
            out.addAll(m.refused());
        }
        return out;
    }

    /** Stops the thread; a resolution under way is abandoned. */
    @Override
    public void close() {
        thread.shutdownNow();
    }
}
