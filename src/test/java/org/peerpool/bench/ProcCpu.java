package org.peerpool.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * CPU time of another process from /proc (utime + stime, in clock ticks), whole and
 * per thread: what the idle node costs, measured from outside it.
 */
final class ProcCpu {

    private static final long TICK_NANOS = TimeUnit.SECONDS.toNanos(1) / clockTicks();

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
        return ticks(Path.of("/proc", String.valueOf(pid), "stat")) * TICK_NANOS;
    }

    /** utime + stime of every thread of {@code pid}, keyed by "name#tid", in ns. */
    static Map<String, Long> threadNanos(long pid) throws IOException {
        Map<String, Long> out = new HashMap<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc", String.valueOf(pid), "task"))) {
            for (Path t : tasks) {
                try {
                    String name = Files.readString(t.resolve("comm")).trim();
                    out.put(name + "#" + t.getFileName(), ticks(t.resolve("stat")) * TICK_NANOS);
                } catch (IOException e) {
                    // thread ended meanwhile
                }
            }
        }
        return out;
    }

    /**
     * Milliseconds per thread name (threads of one name summed; "#tid" dropped and
     * trailing digits folded, so a pool's threads add up) between two snapshots.
     */
    static Map<String, Object> byName(Map<String, Long> before, Map<String, Long> after) {
        Map<String, Long> sums = new HashMap<>();
        for (var e : after.entrySet()) {
            long used = e.getValue() - before.getOrDefault(e.getKey(), 0L);
            if (used > 0) {
                String name = e.getKey().substring(0, e.getKey().lastIndexOf('#')).replaceAll("[0-9]+$", "N");
                sums.merge(name, used, Long::sum);
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        sums.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue(), a.getValue()))
                .forEach(e -> out.put(e.getKey(), Stats.round(e.getValue() / 1e6)));
        return out;
    }

    private static long ticks(Path stat) throws IOException {
        String s = Files.readString(stat);
        // "pid (comm) state ppid ..." -- comm may hold spaces; fields count from after the ')'.
        String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }
}
