package org.peerpool.bench;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/** Percentiles of a sample set (nearest-rank), in the unit the samples were taken in. */
final class Stats {

    private final double[] sorted;

    private Stats(double[] values) {
        this.sorted = values.clone();
        Arrays.sort(sorted);
    }

    static Stats of(double[] values) {
        if (values.length == 0) {
            throw new IllegalArgumentException("no samples");
        }
        return new Stats(values);
    }

    /** Nanosecond samples as microseconds. */
    static Stats micros(long[] nanos) {
        double[] v = new double[nanos.length];
        for (int i = 0; i < nanos.length; i++) {
            v[i] = nanos[i] / 1000.0;
        }
        return of(v);
    }

    /** Nanosecond samples as milliseconds. */
    static Stats millis(long[] nanos) {
        double[] v = new double[nanos.length];
        for (int i = 0; i < nanos.length; i++) {
            v[i] = nanos[i] / 1_000_000.0;
        }
        return of(v);
    }

    /** The nearest-rank percentile {@code p} (0 < p <= 100). */
    double p(double p) {
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    double min() {
        return sorted[0];
    }

    double max() {
        return sorted[sorted.length - 1];
    }

    double mean() {
        double s = 0;
        for (double v : sorted) {
            s += v;
        }
        return s / sorted.length;
    }

    int count() {
        return sorted.length;
    }

    /** The summary stored in results.json. */
    Map<String, Object> summary() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("n", count());
        m.put("min", round(min()));
        m.put("p50", round(p(50)));
        m.put("p90", round(p(90)));
        m.put("p99", round(p(99)));
        m.put("max", round(max()));
        m.put("mean", round(mean()));
        return m;
    }

    static double round(double v) {
        return Math.round(v * 100.0) / 100.0;
    }

    static double median(double[] values) {
        return of(values).p(50);
    }
}
