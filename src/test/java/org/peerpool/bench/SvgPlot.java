package org.peerpool.bench;

import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * Hand-written SVG of the mesh figures: convergence time (ms) and retained heap (MiB)
 * against the number of nodes, as two small charts side by side, the x axis on a log2
 * scale so 4, 16, 64 and 128 nodes are evenly readable.
 */
final class SvgPlot {

    private static final int CHART_W = 420;
    private static final int CHART_H = 300;
    private static final int LEFT = 70;
    private static final int TOP = 50;
    private static final int PLOT_W = CHART_W - LEFT - 30;
    private static final int PLOT_H = CHART_H - TOP - 60;

    private SvgPlot() {
    }

    static String meshChart(List<Results.MeshPoint> points) {
        int width = CHART_W * 2 + 20;
        int height = CHART_H + 50;
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">%n", width, height, width, height));
        b.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", width, height));
        chart(b, 0, points, Results.MeshPoint::convergenceMs, "Mesh convergence time", "ms", "#1f77b4");
        chart(b, CHART_W + 20, points, Results.MeshPoint::heapMiB, "Retained heap of the whole mesh", "MiB", "#d62728");
        b.append(String.format(Locale.ROOT, "<text x=\"10\" y=\"%d\" fill=\"#555\">%s</text>%n", CHART_H + 20,
                esc("Method: N agents (1 I/O thread each) in one JVM on 127.77.2.x, listeners bound first, then all "
                        + "started at once; time until every pool holds N-1 connections (median of runs).")));
        b.append(String.format(Locale.ROOT, "<text x=\"10\" y=\"%d\" fill=\"#555\">%s</text>%n", CHART_H + 38,
                esc("Heap: used heap after full GC with the mesh converged minus before the agents were created "
                        + "(both ends of every connection).")));
        b.append("</svg>\n");
        return b.toString();
    }

    private static void chart(StringBuilder b, int x0, List<Results.MeshPoint> points,
                              ToDoubleFunction<Results.MeshPoint> y, String title, String unit, String color) {
        b.append(String.format(Locale.ROOT, "<g transform=\"translate(%d,0)\">%n", x0));
        b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"25\" font-size=\"14\" font-weight=\"bold\">%s</text>%n",
                LEFT, esc(title)));
        // axes
        b.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>%n",
                LEFT, TOP, LEFT, TOP + PLOT_H));
        b.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>%n",
                LEFT, TOP + PLOT_H, LEFT + PLOT_W, TOP + PLOT_H));
        b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">number of nodes N (log scale)</text>%n",
                LEFT + PLOT_W / 2, TOP + PLOT_H + 38));
        b.append(String.format(Locale.ROOT, "<text x=\"15\" y=\"%d\" text-anchor=\"middle\" transform=\"rotate(-90 15 %d)\">%s</text>%n",
                TOP + PLOT_H / 2, TOP + PLOT_H / 2, esc(unit)));
        if (points.isEmpty()) {
            b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">no data</text>%n", LEFT + 20, TOP + 40));
            b.append("</g>\n");
            return;
        }
        double minN = points.stream().mapToInt(Results.MeshPoint::nodes).min().orElse(1);
        double maxN = points.stream().mapToInt(Results.MeshPoint::nodes).max().orElse(2);
        double lo = log2(minN);
        double hi = Math.max(lo + 1, log2(maxN));
        double maxY = niceMax(points.stream().mapToDouble(y).max().orElse(1));
        // y grid and ticks
        for (int i = 0; i <= 5; i++) {
            double v = maxY * i / 5;
            double py = TOP + PLOT_H - PLOT_H * i / 5.0;
            b.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>%n",
                    LEFT, py, LEFT + PLOT_W, py));
            b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>%n",
                    LEFT - 6, py + 4, label(v)));
        }
        StringBuilder path = new StringBuilder();
        for (Results.MeshPoint p : points) {
            double px = LEFT + 10 + (PLOT_W - 20) * (log2(p.nodes()) - lo) / (hi - lo);
            double py = TOP + PLOT_H - PLOT_H * y.applyAsDouble(p) / maxY;
            path.append(path.length() == 0 ? "M" : " L").append(String.format(Locale.ROOT, "%.1f %.1f", px, py));
            b.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%d</text>%n",
                    px, TOP + PLOT_H + 16, p.nodes()));
            b.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\"/>%n", px, py, color));
            b.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" fill=\"%s\">%s</text>%n",
                    px, py - 9, color, label(y.applyAsDouble(p))));
        }
        b.append(String.format(Locale.ROOT, "<path d=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"/>%n", path, color));
        b.append("</g>\n");
    }

    private static double log2(double v) {
        return Math.log(v) / Math.log(2);
    }

    /** 1, 2 or 5 times a power of ten, at or above {@code v}. */
    static double niceMax(double v) {
        if (v <= 0) {
            return 1;
        }
        double p = Math.pow(10, Math.floor(Math.log10(v)));
        for (double m : new double[] {1, 2, 5, 10}) {
            if (m * p >= v) {
                return m * p;
            }
        }
        return 10 * p;
    }

    private static String label(double v) {
        return v >= 100 || v == Math.rint(v) ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.1f", v);
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
