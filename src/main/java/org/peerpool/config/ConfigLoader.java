package org.peerpool.config;

import java.io.IOException;
import java.io.StringReader;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.commons.configuration2.INIConfiguration;
import org.apache.commons.configuration2.SubnodeConfiguration;
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
    private static final Map<String, List<String>> KEYS = new LinkedHashMap<>();

    static {
        KEYS.put("network", List.of("local_ip", "port", "peer"));
        KEYS.put("connection", List.of("handshake_timeout_ms", "keepalive_idle_s", "keepalive_interval_s",
                "keepalive_count", "reconnect_min_ms", "reconnect_max_ms", "heartbeat_interval_s", "idle_timeout_s",
                "reverse_dial_after_s", "max_frame_bytes", "max_pending_bytes"));
        KEYS.put("security", List.of("accept_unknown_peers", "max_handshaking", "max_handshaking_per_ip"));
    }

    private static final String SECTION_LIST = "[network], [connection] or [security]";
    private static final String NEEDED = "expected at least [network] with local_ip = 127.0.0.1";
    private static final int MIN_FRAME_BYTES = 4096;
    /** The length prefix in front of every frame (PROTOCOL.md). */
    private static final int FRAME_HEADER_BYTES = 4;

    private static final Pattern HEADER = Pattern.compile("\\[([^\\[\\]]*)\\]\\s*([;#].*)?");
    private static final Pattern KEY_VALUE = Pattern.compile("([A-Za-z0-9_.-]+)\\s*=(.*)");
    private static final Pattern WHOLE_NUMBER = Pattern.compile("[+-]?[0-9]+");

    private ConfigLoader() {
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

    /** Validates config text already read, keeping the warnings for the log. */
    public static LoadResult parseWithWarnings(String text, String fileName) throws ConfigException {
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
        return new Validator(fileName, scan.entries(), ini).validate();
    }

    /** The file's text (strict UTF-8), or a one-line reason it cannot be read. */
    public static String readText(Path file) throws ConfigException {
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

    // ---- the line scan ----

    /** One {@code key = value} line as the scan saw it. */
    private record Entry(int line, String section, String key) {
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
                throw at(file, n, "'" + line + "': expected key = value, a [section] header or a comment");
            }
            String key = kv.group(1);
            checkKey(file, n, section, key);
            Integer first = firstLine.putIfAbsent(key, n);
            if (first != null && !key.equals("peer")) {
                throw at(file, n, key + " is given twice (first at line " + first + "); only peer may repeat");
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
        char quote = raw.charAt(0);
        if (quote == '"' || quote == '\'') {
            int close = 1;
            while (close < raw.length() && raw.charAt(close) != quote) {
                close += raw.charAt(close) == '\\' ? 2 : 1;
            }
            if (close >= raw.length()) {
                throw at(file, n, key + " = " + raw + ": expected a closing " + quote);
            }
            String rest = raw.substring(close + 1).strip();
            if (!rest.isEmpty() && !isComment(rest)) {
                throw at(file, n, key + " = " + raw + ": expected nothing but a comment after the closing " + quote);
            }
            return raw.substring(0, close + 1);
        }
        String value = raw.substring(0, commentStart(raw)).strip();
        if (value.indexOf('"') >= 0 || value.indexOf('\'') >= 0) {
            throw at(file, n, key + " = " + value + ": expected quotes around the whole value or none");
        }
        if (value.endsWith("\\")) {
            throw at(file, n, key + " = " + value + ": a trailing '\\' (line continuation) is not supported");
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

    /** Turns the scanned entries and INIConfiguration's values into a NodeConfig, or one error. */
    private static final class Validator {
        private final String file;
        private final Map<String, Integer> lines = new HashMap<>();
        private final Map<String, String> values = new HashMap<>();
        private final List<Integer> peerLines = new ArrayList<>();
        private final List<String> peerValues = new ArrayList<>();
        private final List<String> warnings = new ArrayList<>();

        Validator(String file, List<Entry> entries, INIConfiguration ini) throws ConfigException {
            this.file = file;
            Map<String, SubnodeConfiguration> sections = new HashMap<>();
            List<String> allPeers = null;
            for (Entry e : entries) {
                SubnodeConfiguration section = sections.computeIfAbsent(e.section(), name -> {
                    SubnodeConfiguration s = ini.getSection(name);
                    // No ${...} lookups: they read files and the environment, and ${localhost:} does DNS.
                    s.setInterpolator(null);
                    return s;
                });
                boolean peer = e.key().equals("peer");
                if (peer && allPeers == null) {
                    // Repeated keys come back as one list in file order, even across repeated [network] headers.
                    allPeers = section.getList(String.class, "peer");
                }
                String value = Objects.toString(peer ? allPeers.get(peerValues.size()) : section.getString(e.key()), "")
                        .strip();
                if (value.isEmpty()) {
                    throw at(file, e.line(), e.key() + " has no value");
                }
                if (peer) {
                    peerLines.add(e.line());
                    peerValues.add(value);
                } else {
                    lines.put(e.key(), e.line());
                    values.put(e.key(), value);
                }
            }
        }

        LoadResult validate() throws ConfigException {
            if (!values.containsKey("local_ip")) {
                throw new ConfigException(file + ": local_ip is missing (required, e.g. local_ip = 127.0.0.1)");
            }
            NodeConfig.Builder b = NodeConfig.builder(localIp());
            if (has("port")) b.port((int) number("port", 1, 65535));
            if (has("handshake_timeout_ms")) b.handshakeTimeoutMs(positiveInt("handshake_timeout_ms"));
            if (has("keepalive_idle_s")) b.keepaliveIdleS(positiveInt("keepalive_idle_s"));
            if (has("keepalive_interval_s")) b.keepaliveIntervalS(positiveInt("keepalive_interval_s"));
            if (has("keepalive_count")) b.keepaliveCount(positiveInt("keepalive_count"));
            if (has("reconnect_min_ms")) b.reconnectMinMs(positiveInt("reconnect_min_ms"));
            if (has("reconnect_max_ms")) b.reconnectMaxMs(positiveInt("reconnect_max_ms"));
            if (has("heartbeat_interval_s")) b.heartbeatIntervalS(positiveInt("heartbeat_interval_s"));
            if (has("idle_timeout_s")) b.idleTimeoutS(positiveInt("idle_timeout_s"));
            // 0 turns reverse dialing off.
            if (has("reverse_dial_after_s")) b.reverseDialAfterS(intAtLeast("reverse_dial_after_s", 0));
            if (has("max_frame_bytes")) b.maxFrameBytes(intAtLeast("max_frame_bytes", MIN_FRAME_BYTES));
            if (has("max_pending_bytes")) b.maxPendingBytes(number("max_pending_bytes", 1, Long.MAX_VALUE));
            if (has("accept_unknown_peers")) b.acceptUnknownPeers(bool("accept_unknown_peers"));
            if (has("max_handshaking")) b.maxHandshaking(positiveInt("max_handshaking"));
            if (has("max_handshaking_per_ip")) b.maxHandshakingPerIp(positiveInt("max_handshaking_per_ip"));
            b.peers(peers(b.build().self()));
            NodeConfig config = b.build();
            checkPairs(config);
            if (config.idleTimeoutS() <= config.heartbeatIntervalS()) {
                String key = has("idle_timeout_s") ? "idle_timeout_s" : "heartbeat_interval_s";
                warnings.add(where(key) + ": idle_timeout_s (" + config.idleTimeoutS()
                        + ") is not above heartbeat_interval_s (" + config.heartbeatIntervalS()
                        + "): healthy but quiet peers may be closed");
            }
            return new LoadResult(config, warnings);
        }

        private InetAddress localIp() throws ConfigException {
            String value = values.get("local_ip");
            // An IPv6 local_ip may be written bare or in brackets, like a peer.
            String host = value.startsWith("[") && value.endsWith("]") ? value.substring(1, value.length() - 1) : value;
            InetAddress ip;
            try {
                ip = NodeAddress.parseIp(host, value);
            } catch (IllegalArgumentException e) {
                if (looksLikeAddress(value)) {
                    throw bad("local_ip", value, "an IP without a port (the port is set by port = ...)");
                }
                throw new ConfigException(where("local_ip") + ": local_ip = " + value + ": " + detail(e, value));
            }
            if (ip.isAnyLocalAddress() || ip.isMulticastAddress()) {
                throw bad("local_ip", value, "an IP of this node (not a wildcard or multicast address)");
            }
            return ip;
        }

        private static boolean looksLikeAddress(String value) {
            try {
                NodeAddress.parse(value);
                return true;
            } catch (IllegalArgumentException e) {
                return false;
            }
        }

        private List<NodeAddress> peers(NodeAddress self) throws ConfigException {
            List<NodeAddress> peers = new ArrayList<>();
            Map<NodeAddress, Integer> seen = new HashMap<>();
            for (int i = 0; i < peerValues.size(); i++) {
                int line = peerLines.get(i);
                String value = peerValues.get(i);
                NodeAddress peer;
                try {
                    peer = NodeAddress.parse(value, self.port());
                } catch (IllegalArgumentException e) {
                    throw at(file, line, "peer = " + value + ": " + detail(e, value));
                }
                if (peer.ip().isAnyLocalAddress() || peer.ip().isMulticastAddress()) {
                    throw at(file, line, "peer = " + value
                            + ": expected a peer's IP (not a wildcard or multicast address)");
                }
                Integer first = seen.putIfAbsent(peer, line);
                if (first != null) {
                    warnings.add(file + " line " + line + ": duplicate peer " + peer + " counted once (first at line "
                            + first + ")");
                } else if (peer.equals(self)) {
                    warnings.add(file + " line " + line + ": own address " + peer + " in the peer list is ignored");
                }
                peers.add(peer);
            }
            return peers;
        }

        /** Rules between two keys, reported on a key the file sets (both cannot be defaults). */
        private void checkPairs(NodeConfig c) throws ConfigException {
            if (c.reconnectMaxMs() < c.reconnectMinMs()) {
                throw has("reconnect_max_ms")
                        ? bad("reconnect_max_ms", values.get("reconnect_max_ms"),
                                ">= reconnect_min_ms (" + shown("reconnect_min_ms", c.reconnectMinMs()) + ")")
                        : bad("reconnect_min_ms", values.get("reconnect_min_ms"),
                                "<= reconnect_max_ms (" + shown("reconnect_max_ms", c.reconnectMaxMs()) + ")");
            }
            long needed = (long) c.maxFrameBytes() + FRAME_HEADER_BYTES;
            if (c.maxPendingBytes() < needed) {
                throw has("max_pending_bytes")
                        ? bad("max_pending_bytes", values.get("max_pending_bytes"), ">= max_frame_bytes + "
                                + FRAME_HEADER_BYTES + " (" + needed + "), so a maximal frame fits the send queue")
                        : bad("max_frame_bytes", values.get("max_frame_bytes"), "<= max_pending_bytes - "
                                + FRAME_HEADER_BYTES + " ("
                                + shown("max_pending_bytes", c.maxPendingBytes() - FRAME_HEADER_BYTES)
                                + "), so a maximal frame fits the send queue");
            }
        }

        private String shown(String key, long n) {
            return has(key) ? String.valueOf(n) : n + ", from the default";
        }

        private boolean has(String key) {
            return values.containsKey(key);
        }

        private int positiveInt(String key) throws ConfigException {
            return intAtLeast(key, 1);
        }

        private int intAtLeast(String key, int min) throws ConfigException {
            return (int) number(key, min, Integer.MAX_VALUE);
        }

        private long number(String key, long min, long max) throws ConfigException {
            String value = values.get(key);
            String range = "a whole number from " + min + " to " + max;
            // Only a real bound (a port's) is worth naming up front; the type's limit matters on overflow.
            String expected = max < Integer.MAX_VALUE ? range : "a whole number >= " + min;
            if (!WHOLE_NUMBER.matcher(value).matches()) {
                throw bad(key, value, expected);
            }
            BigInteger n = new BigInteger(value);
            if (n.compareTo(BigInteger.valueOf(min)) < 0) {
                throw bad(key, value, expected);
            }
            if (n.compareTo(BigInteger.valueOf(max)) > 0) {
                throw bad(key, value, range);
            }
            return n.longValueExact();
        }

        private boolean bool(String key) throws ConfigException {
            String value = values.get(key);
            if (value.equalsIgnoreCase("true") || value.equalsIgnoreCase("false")) {
                return Boolean.parseBoolean(value);
            }
            throw bad(key, value, "true or false");
        }

        private String where(String key) {
            Integer line = lines.get(key);
            return line == null ? file : file + " line " + line;
        }

        private ConfigException bad(String key, String value, String expected) {
            return new ConfigException(where(key) + ": " + key + " = " + value + ": expected " + expected);
        }
    }

    /** NodeAddress starts its messages with "'TEXT': "; ours already show the value. */
    private static String detail(IllegalArgumentException e, String value) {
        String prefix = "'" + value + "': ";
        String message = e.getMessage();
        return message.startsWith(prefix) ? message.substring(prefix.length()) : message;
    }

    private static ConfigException at(String file, int line, String message) {
        return new ConfigException(file + " line " + line + ": " + message);
    }

    private static String oneLine(String s) {
        return s == null ? "I/O error" : s.replaceAll("\\s*\\R\\s*", " ");
    }
}
