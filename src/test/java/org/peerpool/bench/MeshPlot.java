package org.peerpool.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

import javax.imageio.ImageIO;

/**
 * The mesh plot: convergence time (ms) and retained heap (MiB) against the number of
 * nodes, as two small charts side by side, the x axis on a log2 scale so 4, 16, 64 and
 * 128 nodes are evenly readable. Drawn once on a tiny canvas interface, written as
 * hand-written SVG and, through Java2D, as PNG.
 */
final class MeshPlot {

    private static final int CHART_W = 420;
    private static final int CHART_H = 300;
    private static final int LEFT = 70;
    private static final int TOP = 50;
    private static final int PLOT_W = CHART_W - LEFT - 30;
    private static final int PLOT_H = CHART_H - TOP - 60;
    static final int WIDTH = CHART_W * 2 + 20;
    static final int HEIGHT = CHART_H + 66;

    /** What the plot needs from a drawing surface; colors are "#rrggbb". */
    interface Canvas {
        void line(double x1, double y1, double x2, double y2, String color, double width);

        void polyline(double[] xs, double[] ys, String color, double width);

        void dot(double x, double y, double r, String color);

        /** {@code anchor}: "start", "middle" or "end"; {@code rotate}: degrees about (x, y). */
        void text(double x, double y, String text, String anchor, String color, int size, boolean bold, int rotate);
    }

    private MeshPlot() {
    }

    static void draw(Canvas c, List<Results.MeshPoint> points) {
        chart(c, 0, points, Results.MeshPoint::convergenceMs, "Mesh convergence time", "ms", "#1f77b4");
        chart(c, CHART_W + 20, points, Results.MeshPoint::heapMiB, "Retained heap of the whole mesh", "MiB", "#d62728");
        String[] method = {
            "Method: N agents (1 I/O thread each) in one JVM on 127.77.2.1..N; listeners bound first, then all started",
            "at once; time until every pool holds N-1 connections (median of runs). Heap: used heap after full GC with",
            "the mesh converged minus before the agents were created (both ends of every connection)."};
        for (int i = 0; i < method.length; i++) {
            c.text(10, CHART_H + 18 + 16 * i, method[i], "start", "#555555", 12, false, 0);
        }
    }

    private static void chart(Canvas c, int x0, List<Results.MeshPoint> points,
                              ToDoubleFunction<Results.MeshPoint> y, String title, String unit, String color) {
        c.text(x0 + LEFT, 25, title, "start", "#000000", 14, true, 0);
        c.line(x0 + LEFT, TOP, x0 + LEFT, TOP + PLOT_H, "#000000", 1);
        c.line(x0 + LEFT, TOP + PLOT_H, x0 + LEFT + PLOT_W, TOP + PLOT_H, "#000000", 1);
        c.text(x0 + LEFT + PLOT_W / 2.0, TOP + PLOT_H + 38, "number of nodes N (log scale)", "middle", "#000000", 12,
                false, 0);
        c.text(x0 + 18, TOP + PLOT_H / 2.0, unit, "middle", "#000000", 12, false, -90);
        if (points.isEmpty()) {
            c.text(x0 + LEFT + 20, TOP + 40, "no data", "start", "#000000", 12, false, 0);
            return;
        }
        double lo = log2(points.stream().mapToInt(Results.MeshPoint::nodes).min().orElse(1));
        double hi = Math.max(lo + 1, log2(points.stream().mapToInt(Results.MeshPoint::nodes).max().orElse(2)));
        double maxY = niceMax(points.stream().mapToDouble(y).max().orElse(1));
        for (int i = 0; i <= 5; i++) {
            double py = TOP + PLOT_H - PLOT_H * i / 5.0;
            c.line(x0 + LEFT, py, x0 + LEFT + PLOT_W, py, "#dddddd", 1);
            c.text(x0 + LEFT - 6, py + 4, label(maxY * i / 5), "end", "#000000", 12, false, 0);
        }
        double[] xs = new double[points.size()];
        double[] ys = new double[points.size()];
        for (int i = 0; i < points.size(); i++) {
            Results.MeshPoint p = points.get(i);
            xs[i] = x0 + LEFT + 10 + (PLOT_W - 20) * (log2(p.nodes()) - lo) / (hi - lo);
            ys[i] = TOP + PLOT_H - PLOT_H * y.applyAsDouble(p) / maxY;
            c.text(xs[i], TOP + PLOT_H + 16, String.valueOf(p.nodes()), "middle", "#000000", 12, false, 0);
        }
        c.polyline(xs, ys, color, 2);
        for (int i = 0; i < points.size(); i++) {
            c.dot(xs[i], ys[i], 4, color);
            c.text(xs[i], ys[i] - 9, label(y.applyAsDouble(points.get(i))), "middle", color, 12, false, 0);
        }
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

    static String svg(List<Results.MeshPoint> points) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\">%n", WIDTH, HEIGHT, WIDTH, HEIGHT));
        b.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", WIDTH, HEIGHT));
        draw(new Svg(b), points);
        return b.append("</svg>\n").toString();
    }

    static void png(List<Results.MeshPoint> points, Path file) throws IOException {
        BufferedImage img = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, WIDTH, HEIGHT);
            draw(new Java2d(g), points);
        } finally {
            g.dispose();
        }
        ImageIO.write(img, "png", file.toFile());
    }

    /** Writes SVG elements. */
    private record Svg(StringBuilder b) implements Canvas {
        public void line(double x1, double y1, double x2, double y2, String color, double width) {
            b.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                    + "stroke-width=\"%.1f\"/>%n", x1, y1, x2, y2, color, width));
        }

        public void polyline(double[] xs, double[] ys, String color, double width) {
            StringBuilder pts = new StringBuilder();
            for (int i = 0; i < xs.length; i++) {
                pts.append(String.format(Locale.ROOT, "%s%.1f,%.1f", i == 0 ? "" : " ", xs[i], ys[i]));
            }
            b.append(String.format(Locale.ROOT, "<polyline points=\"%s\" fill=\"none\" stroke=\"%s\" "
                    + "stroke-width=\"%.1f\"/>%n", pts, color, width));
        }

        public void dot(double x, double y, double r, String color) {
            b.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\" fill=\"%s\"/>%n", x, y, r,
                    color));
        }

        public void text(double x, double y, String text, String anchor, String color, int size, boolean bold,
                         int rotate) {
            b.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" fill=\"%s\" "
                    + "font-size=\"%d\"%s%s>%s</text>%n", x, y, anchor, color, size, bold ? " font-weight=\"bold\"" : "",
                    rotate == 0 ? "" : String.format(Locale.ROOT, " transform=\"rotate(%d %.1f %.1f)\"", rotate, x, y),
                    text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")));
        }
    }

    /** Draws on a Java2D surface. */
    private record Java2d(Graphics2D g) implements Canvas {
        public void line(double x1, double y1, double x2, double y2, String color, double width) {
            g.setColor(Color.decode(color));
            g.setStroke(new BasicStroke((float) width));
            g.draw(new Line2D.Double(x1, y1, x2, y2));
        }

        public void polyline(double[] xs, double[] ys, String color, double width) {
            Path2D.Double p = new Path2D.Double();
            for (int i = 0; i < xs.length; i++) {
                if (i == 0) {
                    p.moveTo(xs[i], ys[i]);
                } else {
                    p.lineTo(xs[i], ys[i]);
                }
            }
            g.setColor(Color.decode(color));
            g.setStroke(new BasicStroke((float) width));
            g.draw(p);
        }

        public void dot(double x, double y, double r, String color) {
            g.setColor(Color.decode(color));
            g.fill(new Ellipse2D.Double(x - r, y - r, 2 * r, 2 * r));
        }

        public void text(double x, double y, String text, String anchor, String color, int size, boolean bold,
                         int rotate) {
            g.setColor(Color.decode(color));
            g.setFont(new Font(Font.SANS_SERIF, bold ? Font.BOLD : Font.PLAIN, size));
            double w = g.getFontMetrics().stringWidth(text);
            double dx = anchor.equals("middle") ? -w / 2 : anchor.equals("end") ? -w : 0;
            AffineTransform saved = g.getTransform();
            g.rotate(Math.toRadians(rotate), x, y);
            g.drawString(text, (float) (x + dx), (float) y);
            g.setTransform(saved);
        }
    }
}
