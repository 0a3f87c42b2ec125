package org.peerpool.config;

import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import org.apache.commons.configuration2.INIConfiguration;
import org.apache.commons.configuration2.SubnodeConfiguration;
import org.peerpool.config.ConfigLoader.Entry;
import org.peerpool.config.ConfigLoader.LoadResult;
import org.peerpool.tls.KeyPin;
import org.peerpool.tls.KeystoreException;
import org.peerpool.tls.LocalKey;
import org.peerpool.tls.TlsMode;
import org.peerpool.wire.NodeAddress;

import static org.peerpool.config.NodeConfig.FRAME_HEADER_BYTES;
import static org.peerpool.config.ConfigLoader.WHOLE_NUMBER;
import static org.peerpool.config.ConfigLoader.at;
import static org.peerpool.config.ConfigLoader.detail;

/**
 * Turns the entries {@link ConfigLoader}'s line scan found, and the values
 * INIConfiguration read for them, into a {@link NodeConfig}: every key checked against
 * what it may hold, errors naming the file, line, key, value and what was expected,
 * warnings for what loads but deserves a look. One use per file. It quotes values, but
 * never {@code keystore_password}'s ({@link Secrets}).
 */
final class ConfigValidator {

    private final String file;
    /** Where a relative keystore path starts: the config file's directory. */
    private final Path baseDir;
    private final Map<String, Integer> lines = new HashMap<>();
    private final Map<String, String> values = new HashMap<>();
    private final List<Integer> peerLines = new ArrayList<>();
    private final List<String> peerValues = new ArrayList<>();
    private final List<Integer> dnsLines = new ArrayList<>();
    private final List<String> dnsValues = new ArrayList<>();
    private final List<String> warnings = new ArrayList<>();
    private final Map<NodeAddress, Integer> peerLine = new HashMap<>();

    ConfigValidator(String file, Path baseDir, List<Entry> entries, INIConfiguration ini) throws ConfigException {
        this.file = file;
        this.baseDir = baseDir;
        Map<String, SubnodeConfiguration> sections = new HashMap<>();
        // Repeated keys come back as one list in file order, even across repeated headers.
        Map<String, List<String>> repeated = new HashMap<>();
        for (Entry e : entries) {
            SubnodeConfiguration section = sections.computeIfAbsent(e.section(), name -> {
                SubnodeConfiguration s = ini.getSection(name);
                // No ${...} lookups: they read files and the environment, and ${localhost:} does DNS.
                s.setInterpolator(null);
                return s;
            });
            boolean many = ConfigLoader.REPEATABLE.contains(e.key());
            List<Integer> manyLines = e.key().equals("peer") ? peerLines : dnsLines;
            List<String> manyValues = e.key().equals("peer") ? peerValues : dnsValues;
            String value = Objects.toString(many
                    ? repeated.computeIfAbsent(e.key(), k -> section.getList(String.class, k)).get(manyValues.size())
                    : section.getString(e.key()), "").strip();
            if (value.isEmpty()) {
                throw at(file, e.line(), e.key() + " has no value");
            }
            if (many) {
                manyLines.add(e.line());
                manyValues.add(value);
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
        for (ConfigKey k : ConfigKey.values()) {
            if (k.isNumber() && has(k.key())) {
                k.set(b, number(k));
            }
        }
        if (has(ConfigKey.ACCEPT_UNKNOWN_PEERS.key())) {
            b.acceptUnknownPeers(bool(ConfigKey.ACCEPT_UNKNOWN_PEERS.key()));
        }
        checkPairs(b);
        NodeAddress self = b.build().self();
        TlsSettings tls = tls();
        b.tls(tls);
        Map<NodeAddress, Set<KeyPin>> pins = new HashMap<>();
        b.peers(peers(self, pins));
        pins.forEach(b::pins);
        checkPinned(tls, pins, self);
        sources(b, self.port());
        NodeConfig config = b.build();
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

    /** The peer lines: an address, then any number of key pins; the pins of duplicates are merged. */
    private List<NodeAddress> peers(NodeAddress self, Map<NodeAddress, Set<KeyPin>> pins) throws ConfigException {
        List<NodeAddress> peers = new ArrayList<>();
        Map<NodeAddress, Integer> seen = new HashMap<>();
        for (int i = 0; i < peerValues.size(); i++) {
            int line = peerLines.get(i);
            String value = peerValues.get(i);
            PeerLine parsed;
            try {
                parsed = PeerLine.parse(value, self.port());
            } catch (IllegalArgumentException e) {
                throw at(file, line, "peer = " + value + ": " + e.getMessage());
            }
            NodeAddress peer = parsed.address();
            pins.computeIfAbsent(peer, p -> new LinkedHashSet<>()).addAll(parsed.pins());
            peerLine.putIfAbsent(peer, line);
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

    /**
     * The [peers] section. The file need not exist yet (another program writes it): a
     * missing file is the source's error, shown on the Config bean, not the INI's.
     */
    private void sources(NodeConfig.Builder b, int defaultPort) throws ConfigException {
        if (has("file")) {
            try {
                b.peersFile(baseDir.resolve(values.get("file")).toAbsolutePath().normalize());
            } catch (InvalidPathException e) {
                throw bad("file", values.get("file"), "a file path");
            }
        }
        List<DnsName> names = new ArrayList<>();
        for (int i = 0; i < dnsValues.size(); i++) {
            try {
                names.add(DnsName.parse(dnsValues.get(i), defaultPort));
            } catch (IllegalArgumentException e) {
                throw at(file, dnsLines.get(i), "dns = " + dnsValues.get(i) + ": " + e.getMessage());
            }
        }
        b.dns(names);
        if (has("max_drop_fraction")) {
            String value = values.get("max_drop_fraction");
            String expected = "a fraction above 0 and at most 1, e.g. 0.5";
            if (!value.matches("[0-9]*\\.?[0-9]+")) {
                throw bad("max_drop_fraction", value, expected);
            }
            double f = Double.parseDouble(value);
            if (!(f > 0 && f <= 1)) {
                throw bad("max_drop_fraction", value, expected);
            }
            b.maxDropFraction(f);
        }
    }

    /** The [tls] section: the mode, and the keystore read now so a bad one rejects the file. */
    private TlsSettings tls() throws ConfigException {
        TlsMode mode = TlsMode.OFF;
        if (has(ConfigKey.TLS_MODE.key())) {
            try {
                mode = TlsMode.parse(values.get("mode"));
            } catch (IllegalArgumentException e) {
                throw bad("mode", values.get("mode"), "off, optional or required");
            }
        }
        if (!has("keystore")) {
            if (has("keystore_password")) {
                throw new ConfigException(where("keystore_password") + ": keystore_password is set but keystore is not");
            }
            if (mode != TlsMode.OFF) {
                throw new ConfigException(where("mode") + ": mode = " + mode.word()
                        + " needs this node's key: keystore = node.p12 and keystore_password = ... (bin/peerpool keygen)");
            }
            return TlsSettings.OFF;
        }
        String name = values.get("keystore");
        Path keystore;
        try {
            keystore = baseDir.resolve(name).toAbsolutePath().normalize();
        } catch (InvalidPathException e) {
            throw bad("keystore", name, "a file path");
        }
        if (!has("keystore_password")) {
            throw new ConfigException(where("keystore") + ": keystore = " + name
                    + ": keystore_password is missing (required with keystore)", null, keystore);
        }
        KeystoreFile.check(where("keystore"), keystore);
        try {
            LocalKey key = LocalKey.load(keystore, values.get("keystore_password").toCharArray());
            return TlsSettings.of(mode, key);
        } catch (KeystoreException e) {
            throw new ConfigException(where("keystore") + ": keystore = " + name + ": " + e.getMessage(), e, keystore);
        }
    }

    /** Under {@code required} every peer needs a pin; named on the first unpinned peer's line. */
    private void checkPinned(TlsSettings tls, Map<NodeAddress, Set<KeyPin>> pins, NodeAddress self)
            throws ConfigException {
        if (tls.mode() != TlsMode.REQUIRED) {
            return;
        }
        for (Map.Entry<NodeAddress, Integer> e : peerLine.entrySet().stream()
                .sorted(Map.Entry.comparingByValue()).toList()) {
            NodeAddress peer = e.getKey();
            if (!peer.equals(self) && pins.getOrDefault(peer, Set.of()).isEmpty()) {
                throw new ConfigException(file + " line " + e.getValue() + ": peer " + peer
                        + " has no key pin, and mode = required (" + where("mode")
                        + ") needs one for every peer", null, tls.keystore());
            }
        }
    }

    /**
     * Rules between two keys, reported on a key the file sets (both cannot be defaults);
     * checked before {@link NodeConfig} checks them again, to name the line.
     */
    private void checkPairs(NodeConfig.Builder b) throws ConfigException {
        PairView c = new PairView(b);
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

    /** The four values the pair rules read, taken from the builder before it builds. */
    private record PairView(int reconnectMinMs, int reconnectMaxMs, int maxFrameBytes, long maxPendingBytes) {
        PairView(NodeConfig.Builder b) {
            this(b.reconnectMinMs(), b.reconnectMaxMs(), b.maxFrameBytes(), b.maxPendingBytes());
        }
    }

    private String shown(String key, long n) {
        return has(key) ? String.valueOf(n) : n + ", from the default";
    }

    private boolean has(String key) {
        return values.containsKey(key);
    }

    private long number(ConfigKey k) throws ConfigException {
        String value = values.get(k.key());
        if (!WHOLE_NUMBER.matcher(value).matches()) {
            throw bad(k.key(), value, k.expected());
        }
        BigInteger n = new BigInteger(value);
        if (n.compareTo(BigInteger.valueOf(k.min())) < 0) {
            throw bad(k.key(), value, k.expected());
        }
        if (n.compareTo(BigInteger.valueOf(k.max())) > 0) {
            throw bad(k.key(), value, k.range());
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
        return new ConfigException(where(key) + ": " + key + " = " + Secrets.value(key, value)
                + ": expected " + expected);
    }
}
