package org.peerpool.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Collects every figure of one benchmark run, with its method, its same-run baseline
 * and its target, and writes them as a table (stdout and results.md), results.json,
 * results.csv and the convergence/heap plot.
 */
final class Results {

    /**
     * One row of the table. {@code met} is null for a row that has no target of its
     * own (context for another row). {@code value} and {@code baseline} are the numbers
     * behind the texts, in {@code unit}, or null.
     */
    record Row(String figure, Double value, String unit, String valueText, Double baseline, String baselineText,
               String target, Boolean met, String method, Map<String, Object> details) {
    }

    /** One mesh size for the plot. */
    record MeshPoint(int nodes, double convergenceMs, double heapMiB) {
    }

    private final List<Row> rows = new ArrayList<>();
    private final List<MeshPoint> mesh = new ArrayList<>();
    private final List<String> errors = new ArrayList<>();
    private final Map<String, Object> machine;
    private final long startedNanos = System.nanoTime();

    Results(Map<String, Object> settings) {
        machine = Machine.describe();
        machine.put("settings", settings);
    }

    synchronized void add(Row r) {
        rows.add(r);
        System.out.printf("[bench]   %s: %s (baseline: %s; target: %s; %s)%n", r.figure(), r.valueText(),
                r.baselineText(), r.target(), met(r.met()));
    }

    synchronized void meshPoint(MeshPoint p) {
        mesh.add(p);
    }

    synchronized void error(String figure, Throwable t) {
        errors.add(figure + ": " + t);
        rows.add(new Row(figure, null, "", "ERROR: " + t, null, "-", "-", false, "the harness failed; see the log",
                Map.of()));
    }

    synchronized List<String> errors() {
        return List.copyOf(errors);
    }

    synchronized List<Row> rows() {
        return List.copyOf(rows);
    }

    private static String met(Boolean m) {
        return m == null ? "-" : m ? "yes" : "NO";
    }

    /** The Markdown table: figure | value | baseline | target | met? | method. */
    synchronized String table() {
        StringBuilder b = new StringBuilder();
        b.append("| figure | value | same-run baseline | target | met? | method |\n");
        b.append("|---|---|---|---|---|---|\n");
        String previous = null;
        for (Row r : rows) {
            // A method the row above already states (up to its numbers) is not repeated in full.
            String shape = r.method() == null ? null : r.method().replaceAll("[0-9]+", "#");
            String method = shape != null && shape.equals(previous) ? "as above" : r.method();
            previous = shape;
            b.append("| ").append(cell(r.figure())).append(" | ").append(cell(r.valueText())).append(" | ")
                    .append(cell(r.baselineText())).append(" | ").append(cell(r.target())).append(" | ")
                    .append(met(r.met())).append(" | ").append(cell(method)).append(" |\n");
        }
        return b.toString();
    }

    private static String cell(String s) {
        return s == null ? "-" : s.replace("|", "\\|").replace("\n", " ");
    }

    /** One line describing the machine, for the table's caption. */
    synchronized String machineLine() {
        return "Machine: " + machine.get("nproc") + " CPUs (" + machine.get("cpuModel") + "), "
                + machine.get("memTotal") + " RAM, " + machine.get("os") + ", " + machine.get("java")
                + "; load average " + machine.get("loadAverageAtStart") + " at start, "
                + machine.get("loadAverageAtEnd") + " at end; run took " + machine.get("durationSeconds") + " s.";
    }

    /** Writes results.json, results.csv, results.md, mesh.svg and mesh.png into {@code dir}. */
    synchronized void writeAll(Path dir) throws IOException {
        Files.createDirectories(dir);
        machine.put("loadAverageAtEnd", Machine.loadAverage());
        machine.put("durationSeconds", Math.round((System.nanoTime() - startedNanos) / 1e9));
        machine.put("finishedAt", Instant.now().toString());

        Map<String, Object> json = new LinkedHashMap<>();
        json.put("machine", machine);
        List<Object> figures = new ArrayList<>();
        for (Row r : rows) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("figure", r.figure());
            m.put("value", r.value());
            m.put("unit", r.unit());
            m.put("valueText", r.valueText());
            m.put("baseline", r.baseline());
            m.put("baselineText", r.baselineText());
            m.put("target", r.target());
            m.put("met", r.met());
            m.put("method", r.method());
            m.put("details", r.details());
            figures.add(m);
        }
        json.put("figures", figures);
        List<Object> points = new ArrayList<>();
        for (MeshPoint p : mesh) {
            points.add(Map.of("nodes", p.nodes(), "convergenceMs", Stats.round(p.convergenceMs()),
                    "heapMiB", Stats.round(p.heapMiB())));
        }
        json.put("meshSeries", points);
        json.put("errors", errors);
        write(dir.resolve("results.json"), Json.write(json));

        StringBuilder csv = new StringBuilder("figure,value,unit,value_text,baseline,baseline_text,target,met,method\n");
        for (Row r : rows) {
            csv.append(csv(r.figure())).append(',').append(num(r.value())).append(',').append(csv(r.unit())).append(',')
                    .append(csv(r.valueText())).append(',').append(num(r.baseline())).append(',')
                    .append(csv(r.baselineText())).append(',').append(csv(r.target())).append(',')
                    .append(r.met() == null ? "" : r.met()).append(',').append(csv(r.method())).append('\n');
        }
        write(dir.resolve("results.csv"), csv.toString());

        write(dir.resolve("results.md"), "## Performance\n\n" + machineLine() + "\n\n" + table());
        write(dir.resolve("mesh.svg"), MeshPlot.svg(mesh));
        try {
            MeshPlot.png(mesh, dir.resolve("mesh.png"));
        } catch (IOException | RuntimeException | Error e) {
            // A JDK without AWT: the SVG is the plot.
            System.out.println("[bench] no mesh.png (" + e + "); mesh.svg has the plot");
        }
    }

    private static String num(Double d) {
        return d == null ? "" : String.valueOf(Stats.round(d));
    }

    private static String csv(String s) {
        if (s == null) {
            return "";
        }
        return "\"" + s.replace("\"", "\"\"").replace("\n", " ") + "\"";
    }

    private static void write(Path p, String text) throws IOException {
        Files.writeString(p, text, StandardCharsets.UTF_8);
    }

    /** What the run ran on. */
    static final class Machine {
        private Machine() {
        }

        static Map<String, Object> describe() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("nproc", Runtime.getRuntime().availableProcessors());
            m.put("cpuModel", procField("/proc/cpuinfo", "model name"));
            m.put("memTotal", procField("/proc/meminfo", "MemTotal"));
            m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                    + System.getProperty("os.arch"));
            m.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
            m.put("jvmArgs", ManagementFactory.getRuntimeMXBean().getInputArguments());
            m.put("maxHeapMiB", Math.round(Heap.mib(Runtime.getRuntime().maxMemory())));
            m.put("maxOpenFiles", maxOpenFiles());
            m.put("loadAverageAtStart", loadAverage());
            m.put("startedAt", Instant.now().toString());
            return m;
        }

        static String loadAverage() {
            try {
                String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
                return f[0] + " " + f[1] + " " + f[2];
            } catch (IOException e) {
                return String.valueOf(ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
            }
        }

        static long maxOpenFiles() {
            if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.UnixOperatingSystemMXBean u) {
                return u.getMaxFileDescriptorCount();
            }
            return -1;
        }

        static long openFiles() {
            if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.UnixOperatingSystemMXBean u) {
                return u.getOpenFileDescriptorCount();
            }
            return -1;
        }

        private static String procField(String file, String key) {
            try {
                for (String line : Files.readAllLines(Path.of(file))) {
                    if (line.startsWith(key)) {
                        return line.substring(line.indexOf(':') + 1).trim();
                    }
                }
            } catch (IOException e) {
                // not Linux
            }
            return "unknown";
        }
    }
}
