package org.peerpool.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import javax.management.JMException;
import javax.management.ObjectName;

/**
 * {@code bin/peerpool info} (DESIGN.md A4): the node's address, counts and counters
 * from its ConnectionPool bean, TLS mode and own pin where the node has them, and the
 * config file with its last reload or rejection from the Config bean. Human output is
 * one labelled line per value; {@code --json} one object with the same values.
 */
final class InfoReport {

    /** Pool attributes and their labels, in print order; a node without one simply has no line for it. */
    private static final Map<String, String> POOL = labels(
            "LocalAddress", "Address",
            "ConnectionCount", "Connections",
            "InboundCount", "Inbound",
            "OutboundCount", "Outbound",
            "ConfiguredPeers", "Configured peers",
            "DisconnectedPeers", "Not connected",
            "ConnectAttempts", "Connect attempts",
            "ConnectionsOpened", "Connections opened",
            "ConnectionsClosed", "Connections closed",
            "HandshakeFailures", "Handshake failures",
            "ProtocolViolations", "Protocol violations",
            "Superseded", "Superseded",
            "UnknownMessages", "Unknown messages",
            "HandshakingInbound", "Handshaking now",
            "HandshakesRefused", "Handshakes refused",
            "KeyMismatches", "Key mismatches",
            "DisconnectReasons", "Disconnect reasons",
            "TlsMode", "TLS mode",
            "LocalKeyPin", "Local key pin");

    private static final Map<String, String> CONFIG = labels(
            "File", "Config file",
            "LoadedAt", "Loaded at",
            "ReloadCount", "Reloads",
            "RejectedCount", "Rejected",
            "LastError", "Last config error",
            "SourceErrors", "Peer source errors");

    private InfoReport() {
    }

    private static Map<String, String> labels(String... pairs) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            m.put(pairs[i], pairs[i + 1]);
        }
        return m;
    }

    /** Pool values, then {@code config} (a map of the Config bean's values) if the node has that bean. */
    static Map<String, Object> read(OperatorClient client, ObjectName pool) throws IOException, JMException {
        Map<String, Object> info = new LinkedHashMap<>(client.read(pool, POOL.keySet().toArray(String[]::new)));
        ObjectName config = client.config(pool);
        if (config != null) {
            info.put("Config", client.read(config, CONFIG.keySet().toArray(String[]::new)));
        }
        return info;
    }

    static String json(Map<String, Object> info) {
        return Json.write(jsonNames(info));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> jsonNames(Map<String, Object> m) {
        Map<String, Object> out = new LinkedHashMap<>();
        m.forEach((k, v) -> out.put(PeersTable.jsonName(k),
                v instanceof Map<?, ?> inner && "Config".equals(k) ? jsonNames((Map<String, Object>) inner) : v));
        return out;
    }

    @SuppressWarnings("unchecked")
    static void print(Map<String, Object> info, PrintStream out) {
        TextTable t = new TextTable("", "").shrinkable(1);
        POOL.forEach((attr, label) -> {
            if (info.containsKey(attr)) {
                t.add(label, show(info.get(attr)));
            }
        });
        if (info.get("Config") instanceof Map<?, ?> config) {
            CONFIG.forEach((attr, label) -> {
                if (config.containsKey(attr)) {
                    t.add(label, show(((Map<String, Object>) config).get(attr)));
                }
            });
        }
        // The first line is the empty header of the two columns.
        t.lines(PeersTable.WIDTH).stream().skip(1).forEach(out::println);
    }

    private static String show(Object v) {
        if (v instanceof List<?> l) {
            return l.isEmpty() ? "-" : l.stream().map(Object::toString).collect(Collectors.joining(" "));
        }
        if (v instanceof Map<?, ?> m) {
            return m.isEmpty() ? "-" : m.entrySet().stream().map(e -> e.getKey() + ": " + e.getValue())
                    .collect(Collectors.joining("; "));
        }
        String s = v == null ? "" : v.toString();
        return s.isEmpty() ? "-" : s;
    }
}
