package org.peerpool.sources;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

import org.peerpool.config.ConfigException;
import org.peerpool.config.ConfigLoader;
import org.peerpool.config.ConfigWatcher;
import org.peerpool.config.PeerLine;
import org.peerpool.tls.KeyPin;
import org.peerpool.wire.NodeAddress;

/**
 * A {@code [peers] file}: one {@code peer =} value per line, blank lines and {@code ;}
 * or {@code #} comments allowed, written by another program. Read every
 * {@link #PERIOD_MS}; like the INI ({@link ConfigWatcher}), a content counts only once
 * two readings a quiet interval apart agree, on both the text and the modification
 * time, so a file being written in chunks is never taken half done. Any bad line
 * rejects the whole reading. Polled rather than watched: one thread serves every
 * source, and a stat and a small read every 200 ms cost nothing next to a second's
 * budget.
 */
final class FileSource implements PeerSource {

    /** More than the INI's quiet interval, so two readings in a row are one quiet interval apart. */
    static final long PERIOD_MS = Math.max(200, ConfigWatcher.QUIET_MS);

    private final Path file;
    private final int defaultPort;
    /** The previous reading, or null after a failed one. */
    private Reading previous;
    /** The last text parsed and what it gave, so an unchanged file is not parsed again. */
    private String parsedText;
    private Map<NodeAddress, Set<KeyPin>> parsed;

    private record Reading(FileTime modified, String text) {
    }

    FileSource(Path file, int defaultPort) {
        this.file = file;
        this.defaultPort = defaultPort;
    }

    @Override
    public String label() {
        return "file:" + file.getFileName();
    }

    @Override
    public long periodMs() {
        return PERIOD_MS;
    }

    /** The INI's slow periodic check: an answer dropping too much is read again this much later. */
    @Override
    public long holdMs() {
        return ConfigWatcher.POLL_MS;
    }

    @Override
    public Map<NodeAddress, Set<KeyPin>> fetch() throws SourceException {
        Reading now;
        try {
            FileTime modified = Files.getLastModifiedTime(file);
            now = new Reading(modified, ConfigLoader.readText(file));
        } catch (IOException | ConfigException e) {
            previous = null;
            throw new SourceException(e instanceof ConfigException ? e.getMessage()
                    : file + (e instanceof NoSuchFileException ? ": file not found" : ": cannot read file (" + e + ")"), e);
        }
        Reading before = previous;
        previous = now;
        if (!now.equals(before)) {
            return null;
        }
        if (!now.text().equals(parsedText)) {
            parsed = parse(now.text());
            parsedText = now.text();
        }
        return parsed;
    }

    private Map<NodeAddress, Set<KeyPin>> parse(String text) throws SourceException {
        Map<NodeAddress, Set<KeyPin>> out = new HashMap<>();
        String[] lines = text.split("\r\n|\r|\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = withoutComment(lines[i]).strip();
            if (i == 0 && line.startsWith("\uFEFF")) {
                line = line.substring(1).strip();
            }
            if (line.isEmpty()) {
                continue;
            }
            try {
                PeerLine p = PeerLine.parse(line, defaultPort);
                out.computeIfAbsent(p.address(), a -> new LinkedHashSet<>()).addAll(p.pins());
            } catch (IllegalArgumentException e) {
                throw new SourceException(file + " line " + (i + 1) + ": '" + line + "': " + e.getMessage(), e);
            }
        }
        return out;
    }

    /** Like the INI: a line starting with ';' or '#' is a comment, and so is either after whitespace. */
    private static String withoutComment(String line) {
        String s = line.strip();
        if (s.startsWith(";") || s.startsWith("#")) {
            return "";
        }
        for (int i = 1; i < s.length(); i++) {
            char c = s.charAt(i);
            if ((c == ';' || c == '#') && Character.isWhitespace(s.charAt(i - 1))) {
                return s.substring(0, i);
            }
        }
        return s;
    }
}
