package org.peerpool.config;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.commons.configuration2.INIConfiguration;
import org.apache.commons.configuration2.ex.ConfigurationException;
import org.peerpool.wire.NodeAddress;

/**
 * Reads {@code etc/peerpool.ini} (DESIGN.md A2) into a validated {@link NodeConfig}.
 * Apache Commons Configuration's {@link INIConfiguration} supplies the values, but it
 * accepts almost any text and knows no line numbers, so a strict line scan of our own
 * runs first: it rejects what INIConfiguration would silently misread and remembers
 * where each key was written. A file that does not scan or validate is rejected whole
 * with one {@link ConfigException}. Nothing here resolves a host name.
 */
public final class ConfigLoader {

    /** A loaded config and what an operator should hear about it although it loaded. */
    public record LoadResult(NodeConfig config, List<String> warnings) {
        public LoadResult {
            Objects.requireNonNull(config, "config");
            warnings = List.copyOf(warnings);
        }
    }

    /** Every section and its keys, in the order the sample file lists them. */
    static final Map<String, List<String>> KEYS = ConfigKey.bySection();

    static final String SECTION_LIST = sectionList();
    /** The keys that may be given more than once: each line adds one more. */
    static final Set<String> REPEATABLE = Set.of(ConfigKey.PEER.key(), ConfigKey.DNS.key());
    static final String NEEDED = "expected at least [network] with local_ip = 127.0.0.1";

    static final Pattern HEADER = Pattern.compile("\\[([^\\[\\]]*)\\]\\s*([;#].*)?");
    static final Pattern KEY_VALUE = Pattern.compile("([A-Za-z0-9_.-]+)\\s*=(.*)");
    static final Pattern WHOLE_NUMBER = Pattern.compile("[+-]?[0-9]+");

    private ConfigLoader() {
    }

    /** "[network], [connection], [security] or [tls]": every section, for messages. */
    private static String sectionList() {
        List<String> names = KEYS.keySet().stream().map(s -> "[" + s + "]").toList();
        return String.join(", ", names.subList(0, names.size() - 1)) + " or " + names.get(names.size() - 1);
    }

    /** Reads and validates {@code file} (UTF-8). */
    public static NodeConfig load(Path file) throws ConfigException {
        return loadWithWarnings(file).config();
    }

    /** Reads and validates {@code file} (UTF-8), keeping the warnings for the log. */
    public static LoadResult loadWithWarnings(Path file) throws ConfigException {
        return parseWithWarnings(readText(file), file.toString());
    }

    /** Validates config text already read; {@code fileName} only names it in messages. */
    public static NodeConfig parse(String text, String fileName) throws ConfigException {
        return parseWithWarnings(text, fileName).config();
    }

    /**
     * Validates config text already read, keeping the warnings for the log. No message or
     * warning shows {@code keystore_password}: {@code ***} stands in its place.
     */
    public static LoadResult parseWithWarnings(String text, String fileName) throws ConfigException {
        Secrets secrets = Secrets.in(text);
        LoadResult r;
        try {
            r = parseUnmasked(text, fileName);
        } catch (ConfigException e) {
            throw secrets.mask(e);
        }
        return new LoadResult(r.config(), r.warnings().stream().map(secrets::mask).toList());
    }

    private static LoadResult parseUnmasked(String text, String fileName) throws ConfigException {
        // Editors on Windows may start a UTF-8 file with a byte order mark.
        String body = text.startsWith("\uFEFF") ? text.substring(1) : text;
        if (body.isBlank()) {
            throw new ConfigException(fileName + ": file is empty (" + NEEDED + ")");
        }
        Scan scan = scan(body, fileName);
        if (scan.entries().isEmpty() && !scan.hasSection()) {
            throw new ConfigException(fileName + ": file has only comments, no settings (" + NEEDED + ")");
        }
        INIConfiguration ini = new INIConfiguration();
        try {
            ini.read(new StringReader(scan.iniText()));
        } catch (ConfigurationException | IOException e) {
            throw new ConfigException(fileName + ": cannot read as INI (" + e.getMessage() + ")", e);
        }
        Path dir = Path.of(fileName).toAbsolutePath().getParent();
        return new ConfigValidator(fileName, dir, scan.entries(), ini).validate();
    }

    /**
     * The file's text (strict UTF-8), or a one-line reason it cannot be read. A text
     * holding {@code keystore_password} is refused unless the file is readable by its
     * owner only (DESIGN.md A2); start-up and every reload read the file through here.
     */
    public static String readText(Path file) throws ConfigException {
        String text = readAny(file);
        checkOwnerOnly(file, text);
        return text;
    }

    private static String readAny(Path file) throws ConfigException {
        if (Files.isDirectory(file)) {
            throw new ConfigException(file + ": is a directory (expected a config file)");
        }
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new ConfigException(file + ": file not found", e);
        } catch (AccessDeniedException e) {
            throw new ConfigException(file + ": cannot read file (permission denied)", e);
        } catch (FileSystemException e) {
            throw new ConfigException(file + ": cannot read file (" + oneLine(e.getReason()) + ")", e);
        } catch (CharacterCodingException e) {
            throw new ConfigException(file + ": cannot read file (expected UTF-8 text)", e);
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read file (" + oneLine(e.getMessage()) + ")", e);
        }
    }

    /**
     * Refuses {@code text}, read from {@code file}, when it holds {@code keystore_password}
     * and the file's mode lets its group or others read it. A file system without POSIX
     * modes is not checked.
     */
    static void checkOwnerOnly(Path file, String text) throws ConfigException {
        if (!Secrets.held(text)) {
            return;
        }
        Set<PosixFilePermission> mode;
        try {
            mode = Files.getPosixFilePermissions(file);
        } catch (UnsupportedOperationException e) {
            return;
        } catch (IOException e) {
            throw new ConfigException(file + ": holds " + Secrets.KEY + " but its mode cannot be read ("
                    + oneLine(e.getMessage()) + ")", e);
        }
        if (mode.contains(PosixFilePermission.GROUP_READ) || mode.contains(PosixFilePermission.OTHERS_READ)) {
            throw new ConfigException(file + ": holds " + Secrets.KEY + " but is readable by group or others ("
                    + PosixFilePermissions.toString(mode) + "); chmod 600 " + shellWord(file.toString()));
        }
    }

    /** {@code s} as one shell word, quoted only when it needs to be, for a command to copy. */
    static String shellWord(String s) {
        return s.matches("[A-Za-z0-9_./+:@%=,-]+") ? s : "'" + s.replace("'", "'\\''") + "'";
    }

    // ---- the line scan ----

    /** One {@code key = value} line as the scan saw it. */
    record Entry(int line, String section, String key) {
    }

    /** The entries in file order and the normalized text handed to INIConfiguration. */
    private record Scan(List<Entry> entries, boolean hasSection, String iniText) {
    }

    private static Scan scan(String text, String file) throws ConfigException {
        String[] lines = text.split("\r\n|\r|\n", -1);
        List<Entry> entries = new ArrayList<>();
        Map<String, Integer> firstLine = new HashMap<>();
        StringBuilder ini = new StringBuilder(text.length());
        String section = null;
        for (int i = 0; i < lines.length; i++) {
            int n = i + 1;
            String line = lines[i].strip();
            if (line.isEmpty() || isComment(line)) {
                continue;
            }
            Matcher header = HEADER.matcher(line);
            if (header.matches()) {
                section = header.group(1).strip();
                if (!KEYS.containsKey(section)) {
                    throw at(file, n, "unknown section [" + section + "] (expected " + SECTION_LIST + ")");
                }
                // INIConfiguration takes "[network] ; note" for a key of the previous section.
                ini.append('[').append(section).append("]\n");
                continue;
            }
            Matcher kv = KEY_VALUE.matcher(line);
            if (!kv.matches()) {
                throw at(file, n, "'" + Secrets.line(line)
                        + "': expected key = value, a [section] header or a comment");
            }
            String key = kv.group(1);
            checkKey(file, n, section, key);
            Integer first = firstLine.putIfAbsent(key, n);
            if (first != null && !REPEATABLE.contains(key)) {
                throw at(file, n, key + " is given twice (first at line " + first + "); only peer and dns may repeat");
            }
            // Hand over the value without its comment: INIConfiguration takes a ':' before a
            // quote inside a comment for the key/value separator.
            ini.append(key).append(" = ").append(valueText(file, n, key, kv.group(2).strip())).append('\n');
            entries.add(new Entry(n, section, key));
        }
        return new Scan(entries, section != null, ini.toString());
    }

    private static void checkKey(String file, int n, String section, String key) throws ConfigException {
        if (section != null && KEYS.get(section).contains(key)) {
            return;
        }
        String lower = key.toLowerCase(Locale.ROOT);
        if (!lower.equals(key) && homeOf(lower) != null) {
            throw at(file, n, "unknown key '" + key + "' (keys are lower case: " + lower + ")");
        }
        String home = homeOf(key);
        if (section == null) {
            throw at(file, n, home != null
                    ? key + " is outside any section (expected it under [" + home + "])"
                    : "unknown key '" + key + "' before any section (expected a " + SECTION_LIST + " header first)");
        }
        throw at(file, n, home != null
                ? key + " belongs in [" + home + "], not [" + section + "]"
                : "unknown key '" + key + "' in [" + section + "] (expected one of: "
                        + String.join(", ", KEYS.get(section)) + ")");
    }

    private static String homeOf(String key) {
        for (Map.Entry<String, List<String>> e : KEYS.entrySet()) {
            if (e.getValue().contains(key)) {
                return e.getKey();
            }
        }
        return null;
    }

    /**
     * The value as written, without its inline comment, still quoted if it was. Rejects
     * what INIConfiguration would misread: a comment in place of a value (it would become
     * the value), text after a closing quote (dropped), a trailing '\' (joins the next line).
     */
    private static String valueText(String file, int n, String key, String raw) throws ConfigException {
        if (raw.isEmpty() || isComment(raw)) {
            throw at(file, n, key + " has no value");
        }
        String shown = Secrets.value(key, raw);
        char quote = raw.charAt(0);
        if (quote == '"' || quote == '\'') {
            int close = 1;
            while (close < raw.length() && raw.charAt(close) != quote) {
                close += raw.charAt(close) == '\\' ? 2 : 1;
            }
            if (close >= raw.length()) {
                throw at(file, n, key + " = " + shown + ": expected a closing " + quote);
            }
            String rest = raw.substring(close + 1).strip();
            if (!rest.isEmpty() && !isComment(rest)) {
                throw at(file, n, key + " = " + shown + ": expected nothing but a comment after the closing " + quote);
            }
            return raw.substring(0, close + 1);
        }
        String value = raw.substring(0, commentStart(raw)).strip();
        shown = Secrets.value(key, value);
        if (value.indexOf('"') >= 0 || value.indexOf('\'') >= 0) {
            throw at(file, n, key + " = " + shown + ": expected quotes around the whole value or none");
        }
        if (value.endsWith("\\")) {
            throw at(file, n, key + " = " + shown + ": a trailing '\\' (line continuation) is not supported");
        }
        return value;
    }

    /** Like INIConfiguration, ';' or '#' starts an inline comment only after whitespace: "a;b" is one value. */
    private static int commentStart(String raw) {
        for (int i = 1; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if ((c == ';' || c == '#') && Character.isWhitespace(raw.charAt(i - 1))) {
                return i;
            }
        }
        return raw.length();
    }

    private static boolean isComment(String s) {
        return s.startsWith(";") || s.startsWith("#");
    }

    // ---- validation ----

    /** NodeAddress starts its messages with "'TEXT': "; ours already show the value. */
    static String detail(IllegalArgumentException e, String value) {
        String prefix = "'" + value + "': ";
        String message = e.getMessage();
        return message.startsWith(prefix) ? message.substring(prefix.length()) : message;
    }

    static ConfigException at(String file, int line, String message) {
        return new ConfigException(file + " line " + line + ": " + message);
    }

    static String oneLine(String s) {
        return s == null ? "I/O error" : s.replaceAll("\\s*\\R\\s*", " ");
    }
}
