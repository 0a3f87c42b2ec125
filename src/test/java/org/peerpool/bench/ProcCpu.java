package org.peerpool.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/**
 * Per-thread counters of a process: CPU time of another process from /proc (utime +
 * stime, in clock ticks), context switches from /proc, and this JVM's thread CPU from
 * the ThreadMXBean (nanosecond precision). Snapshots are keyed by thread id, so a
 * thread that renames itself between two snapshots (MINA names its running loops
 * NioProcessor-N) is still compared with itself; it is reported under its newer name.
 */
final class ProcCpu {

    private static final long TICK_NANOS = TimeUnit.SECONDS.toNanos(1) / clockTicks();
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    /** One counter per thread id, with the thread's name at the time. */
    record Snapshot(Map<Long, Long> values, Map<Long, String> names) {
    }

    private ProcCpu() {
    }

    private static long clockTicks() {
        try {
            Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).trim();
            p.waitFor();
            return Long.parseLong(out);
        } catch (Exception e) {
            return 100;
        }
    }

    /** utime + stime of {@code pid}, in ns (resolution one clock tick). */
    static long processNanos(long pid) throws IOException {
        return ticks(Files.readString(Path.of("/proc", String.valueOf(pid), "stat"))) * TICK_NANOS;
    }

    /** utime + stime of every thread of {@code pid}, in ns (resolution one clock tick). */
    static Snapshot threadNanos(long pid) throws IOException {
        return tasks(pid, t -> {
            try {
                return ticks(Files.readString(t.resolve("stat"))) * TICK_NANOS;
            } catch (IOException e) {
                return -1;
            }
        });
    }

    /** Context switches (voluntary + involuntary) of every thread of {@code pid}. */
    static Snapshot threadSwitches(long pid) throws IOException {
        return tasks(pid, t -> {
            try {
                long n = 0;
                for (String line : Files.readAllLines(t.resolve("status"))) {
                    if (line.startsWith("voluntary_ctxt_switches") || line.startsWith("nonvoluntary_ctxt_switches")) {
                        n += Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
                    }
                }
                return n;
            } catch (IOException e) {
                return -1;
            }
        });
    }

    /** CPU time of every thread of this JVM, in ns, from the ThreadMXBean. */
    static Snapshot jvmThreadNanos() {
        Map<Long, Long> values = new HashMap<>();
        Map<Long, String> names = new HashMap<>();
        for (long id : THREADS.getAllThreadIds()) {
            long cpu = THREADS.getThreadCpuTime(id);
            ThreadInfo info = THREADS.getThreadInfo(id);
            if (cpu >= 0 && info != null) {
                values.put(id, cpu);
                names.put(id, info.getThreadName());
            }
        }
        return new Snapshot(values, names);
    }

    private static Snapshot tasks(long pid, ToLongFunction<Path> value) throws IOException {
        Map<Long, Long> values = new HashMap<>();
        Map<Long, String> names = new HashMap<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc", String.valueOf(pid), "task"))) {
            for (Path t : tasks) {
                long tid = Long.parseLong(t.getFileName().toString());
                long v = value.applyAsLong(t);
                try {
                    String name = Files.readString(t.resolve("comm")).trim();
                    if (v >= 0) {
                        values.put(tid, v);
                        names.put(tid, name);
                    }
                } catch (IOException e) {
                    // thread ended meanwhile
                }
            }
        }
        return new Snapshot(values, names);
    }

    /** Adds each thread's growth from {@code before} to {@code after} into {@code sums}, by {@link #fold role}. */
    static void accumulate(Map<String, Long> sums, Snapshot before, Snapshot after) {
        accumulate(sums, before, after, ProcCpu::fold);
    }

    /** Adds each thread's growth from {@code before} to {@code after} into {@code sums}, by {@code group} of its name. */
    static void accumulate(Map<String, Long> sums, Snapshot before, Snapshot after, Function<String, String> group) {
        for (var e : after.values().entrySet()) {
            long used = e.getValue() - before.values().getOrDefault(e.getKey(), 0L);
            if (used > 0) {
                sums.merge(group.apply(after.names().get(e.getKey())), used, Long::sum);
            }
        }
    }

    /**
     * The role of a thread by its name (Java's, or the kernel's first 15 characters of it).
     * MINA renames a pool thread to NioProcessor-N or NioSocketAcceptor-N while it runs one
     * of its loops, so a thread is reported under whichever name it had last.
     */
    static String fold(String name) {
        if (name.startsWith("NioProcessor") || name.startsWith("peerpool-io") || name.startsWith("bench-mina-floo")) {
            return "MINA I/O processors";
        }
        if (name.startsWith("NioSocketAccept")) {
            return "MINA acceptor";
        }
        if (name.startsWith("NioSocketConnect")) {
            return "MINA connector";
        }
        if (name.startsWith("peerpool-events")) {
            return "agent events thread";
        }
        if (name.startsWith("peerpool-timer")) {
            return "agent timer thread";
        }
        if (name.startsWith("peerpool-config")) {
            return "config watcher";
        }
        if (name.equals("main") || name.equals("java")) {
            return "main (benchmark client)";
        }
        if (name.startsWith("C1 Compiler") || name.startsWith("C2 Compiler")) {
            return "JIT compilers";
        }
        if (name.startsWith("GC Thread") || name.startsWith("G1 ") || name.equals("VM Thread")) {
            return "GC and VM thread";
        }
        return name.replaceAll("[0-9]+$", "N");
    }

    /** {@code sums} divided by {@code per} and {@code scale}, largest first, rounded; tiny entries dropped. */
    static Map<String, Object> per(Map<String, Long> sums, double per, double scale) {
        Map<String, Object> out = new LinkedHashMap<>();
        sums.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue(), a.getValue()))
                .filter(e -> e.getValue() / per / scale >= 0.01)
                .forEach(e -> out.put(e.getKey(), Stats.round(e.getValue() / per / scale)));
        return out;
    }

    /** Milliseconds per folded thread name between two snapshots. */
    static Map<String, Object> byName(Snapshot before, Snapshot after) {
        Map<String, Long> sums = new HashMap<>();
        accumulate(sums, before, after);
        return per(sums, 1, 1e6);
    }

    private static long ticks(String stat) {
        // "pid (comm) state ppid ..." -- comm may hold spaces; fields count from after the ')'.
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }
}
