package org.peerpool.cli;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * An aligned plain-text table for a terminal: each column as wide as its widest cell,
 * two spaces between columns, numbers right-aligned. When the whole would pass the
 * width given, the columns marked shrinkable (free text such as an error) are cut,
 * the last one first, and a cut cell ends in {@code ...}. If that is not enough (a
 * long IPv6 address), a first cell too wide for its share goes on a line of its own,
 * with the rest of its row on the next: a key column is never cut.
 */
final class TextTable {

    private static final String GAP = "  ";
    private static final String CUT = "...";
    /** A shrinkable column keeps at least this much (or its header, if longer). */
    private static final int MIN_SHRUNK = 10;

    private final String[] headers;
    private final boolean[] right;
    private final boolean[] shrinkable;
    private final List<String[]> rows = new ArrayList<>();

    TextTable(String... headers) {
        this.headers = headers.clone();
        this.right = new boolean[headers.length];
        this.shrinkable = new boolean[headers.length];
    }

    /** Right-aligns these columns (numbers). */
    TextTable right(int... columns) {
        for (int c : columns) {
            right[c] = true;
        }
        return this;
    }

    /** Lets these columns be cut to fit the width. */
    TextTable shrinkable(int... columns) {
        for (int c : columns) {
            shrinkable[c] = true;
        }
        return this;
    }

    void add(String... cells) {
        if (cells.length != headers.length) {
            throw new IllegalArgumentException("row of " + cells.length + " cells (expected: " + headers.length + ")");
        }
        rows.add(Arrays.stream(cells).map(c -> c == null ? "" : c.replaceAll("\\s", " ")).toArray(String[]::new));
    }

    /** The header line and one line per row, each at most {@code maxWidth} characters where it can be. */
    List<String> lines(int maxWidth) {
        int[] width = new int[headers.length];
        for (int c = 0; c < headers.length; c++) {
            width[c] = headers[c].length();
            for (String[] r : rows) {
                width[c] = Math.max(width[c], r[c].length());
            }
        }
        int over = Arrays.stream(width).sum() + GAP.length() * (headers.length - 1) - maxWidth;
        for (int c = headers.length - 1; c >= 0 && over > 0; c--) {
            if (shrinkable[c]) {
                int floor = Math.max(MIN_SHRUNK, headers[c].length());
                int cut = Math.min(over, Math.max(0, width[c] - floor));
                width[c] -= cut;
                over -= cut;
            }
        }
        if (over > 0) {
            width[0] = Math.max(headers[0].length(), width[0] - over);
        }
        List<String> out = new ArrayList<>();
        out.add(line(headers, width));
        for (String[] r : rows) {
            if (r[0].length() > width[0]) {
                out.add(r[0]);
                String[] rest = r.clone();
                rest[0] = "";
                out.add(line(rest, width));
            } else {
                out.add(line(r, width));
            }
        }
        return out;
    }

    private String line(String[] cells, int[] width) {
        StringBuilder b = new StringBuilder();
        for (int c = 0; c < cells.length; c++) {
            String cell = c == 0 ? cells[c] : fit(cells[c], width[c]);
            String pad = " ".repeat(width[c] - cell.length());
            b.append(c == 0 ? "" : GAP).append(right[c] ? pad + cell : cell + pad);
        }
        return b.toString().stripTrailing();
    }

    private static String fit(String cell, int width) {
        if (cell.length() <= width) {
            return cell;
        }
        return width <= CUT.length() ? cell.substring(0, width) : cell.substring(0, width - CUT.length()) + CUT;
    }
}
