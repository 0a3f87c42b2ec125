package org.peerpool.bench;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The difference between two class histograms ({@link Heap#classHistogram()}): which
 * classes the retained heap grew by, and by how many instances and bytes. This is the
 * "where does the memory go" profile behind the heap figures.
 */
final class HistogramDiff {

    record Entry(String className, long instances, long bytes) {
    }

    private HistogramDiff() {
    }

    static Map<String, Entry> parse(String histogram) {
        Map<String, Entry> out = new HashMap<>();
        for (String line : histogram.split("\n")) {
            String[] f = line.trim().split("\\s+");
            // "  12:   3456   789012  java.lang.String (java.base@17.0.15)"
            if (f.length < 4 || !f[0].endsWith(":")) {
                continue;
            }
            try {
                long instances = Long.parseLong(f[1]);
                long bytes = Long.parseLong(f[2]);
                out.put(f[3], new Entry(f[3], instances, bytes));
            } catch (NumberFormatException e) {
                // the header or the Total line
            }
        }
        return out;
    }

    /** The {@code top} classes by bytes added from {@code before} to {@code after}. */
    static List<Entry> growth(String before, String after, int top) {
        Map<String, Entry> b = parse(before);
        Map<String, Entry> a = parse(after);
        List<Entry> out = new ArrayList<>();
        for (Entry e : a.values()) {
            Entry old = b.get(e.className());
            long di = e.instances() - (old == null ? 0 : old.instances());
            long db = e.bytes() - (old == null ? 0 : old.bytes());
            if (db > 0) {
                out.add(new Entry(e.className(), di, db));
            }
        }
        out.sort((x, y) -> Long.compare(y.bytes(), x.bytes()));
        return out.subList(0, Math.min(top, out.size()));
    }

    /** Growth as rows for results.json, each with bytes per {@code perUnit} (e.g. per connection). */
    static List<Map<String, Object>> rows(List<Entry> growth, int perUnit) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Entry e : growth) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("class", e.className());
            m.put("instances", e.instances());
            m.put("bytes", e.bytes());
            m.put("bytesPerUnit", Stats.round((double) e.bytes() / perUnit));
            out.add(m);
        }
        return out;
    }

    /** A plain-text table of the growth, for the report and the log. */
    static String text(List<Entry> growth, int perUnit, String unit) {
        StringBuilder b = new StringBuilder();
        b.append(String.format("%12s %12s %12s  %s%n", "instances", "bytes", "B/" + unit, "class"));
        for (Entry e : growth) {
            b.append(String.format("%12d %12d %12.1f  %s%n", e.instances(), e.bytes(), (double) e.bytes() / perUnit,
                    e.className()));
        }
        return b.toString();
    }
}
