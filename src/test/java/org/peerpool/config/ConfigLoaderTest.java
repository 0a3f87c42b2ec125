package org.peerpool.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.net.InetAddress;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.peerpool.wire.NodeAddress;

class ConfigLoaderTest {

    private static final String FILE = "etc/peerpool.ini";
    private static final String HEAD = "[network]\nlocal_ip = 127.0.0.1\n";

    @TempDir
    Path dir;

    // ---- valid files ----

    @Test
    void sampleFromDesignParsesToExpectedConfig() throws Exception {
        NodeConfig cfg = ConfigLoader.load(resource("config/sample.ini"));

        NodeConfig expected = NodeConfig.builder(ip("127.0.0.1"))
                .port(7100)
                .peers(List.of(addr("127.0.0.2:7100"), addr("127.0.0.3:7100")))
                .handshakeTimeoutMs(5000).keepaliveIdleS(30).keepaliveIntervalS(10).keepaliveCount(3)
                .reconnectMinMs(1000).reconnectMaxMs(60000).heartbeatIntervalS(60).idleTimeoutS(180)
                .reverseDialAfterS(120).maxFrameBytes(4194304).maxPendingBytes(16777216)
                .acceptUnknownPeers(false)
                .build();
        assertEquals(expected, cfg);
    }

    @Test
    void sampleLoadsWithoutWarnings() throws Exception {
        assertEquals(List.of(), ConfigLoader.loadWithWarnings(resource("config/sample.ini")).warnings());
    }

    @Test
    void defaultsApplyWhenKeysAreMissing() throws Exception {
        assertEquals(NodeConfig.builder(ip("127.0.0.1")).build(), parse(HEAD));
    }

    @Test
    void everyKeyIsRead() throws Exception {
        NodeConfig cfg = parse("""
                [network]
                local_ip = 10.0.0.1
                port = 7200
                peer = 10.0.0.2
                [connection]
                handshake_timeout_ms = 1
                keepalive_idle_s = 2
                keepalive_interval_s = 3
                keepalive_count = 4
                reconnect_min_ms = 5
                reconnect_max_ms = 6
                heartbeat_interval_s = 7
                idle_timeout_s = 8
                reverse_dial_after_s = 0
                max_frame_bytes = 4096
                max_pending_bytes = 4100
                [security]
                accept_unknown_peers = TRUE
                max_handshaking = 9
                max_handshaking_per_ip = 10
                max_unknown_peers = 11
                max_unknown_peers_per_ip = 12
                max_inbound_buffer_bytes = 2000000
                """);

        assertEquals(new NodeConfig(ip("10.0.0.1"), 7200, List.of(addr("10.0.0.2:7200")),
                1, 2, 3, 4, 5, 6, 7, 8, 0, 4096, 4100, true, 9, 10, 11, 12, 2000000, TlsSettings.OFF, new TreeMap<>(),
                PeerSourceSettings.NONE), cfg);
    }

    @Test
    void peerWithoutPortTakesPortEvenWhenPortComesLater() throws Exception {
        NodeConfig cfg = parse("[network]\npeer = 127.0.0.2\nlocal_ip = 127.0.0.1\nport = 7300\n");
        assertEquals(List.of(addr("127.0.0.2:7300")), cfg.peers());
    }

    @Test
    void peersAreSortedByAddressOrder() throws Exception {
        NodeConfig cfg = parse(HEAD + "peer = 127.0.0.10\npeer = 127.0.0.3:7101\npeer = 127.0.0.2\npeer = 127.0.0.3\n");
        assertEquals(List.of(addr("127.0.0.2:7100"), addr("127.0.0.3:7100"), addr("127.0.0.3:7101"),
                addr("127.0.0.10:7100")), cfg.peers());
    }

    @Test
    void duplicatePeersCountOnceWithAWarning() throws Exception {
        ConfigLoader.LoadResult r = ConfigLoader.parseWithWarnings(HEAD + "peer = 127.0.0.2\npeer = 127.0.0.2:7100\n", FILE);
        assertEquals(List.of(addr("127.0.0.2:7100")), r.config().peers());
        assertEquals(List.of(FILE + " line 4: duplicate peer 127.0.0.2:7100 counted once (first at line 3)"),
                r.warnings());
    }

    @Test
    void ipv6PeersAreAccepted() throws Exception {
        NodeConfig cfg = parse(HEAD + "peer = [::1]:7101\npeer = [::2]\n");
        assertEquals(List.of(addr("[::1]:7101"), addr("[::2]:7100")), cfg.peers());
    }

    @Test
    void ipv6LocalIpMayBeBareOrBracketed() throws Exception {
        assertEquals(ip("::1"), parse("[network]\nlocal_ip = ::1\n").localIp());
        assertEquals(ip("::1"), parse("[network]\nlocal_ip = [::1]\n").localIp());
    }

    @Test
    void ownAddressInPeerListIsDroppedWithAWarning() throws Exception {
        ConfigLoader.LoadResult r = ConfigLoader.parseWithWarnings(
                HEAD + "peer = 127.0.0.1\npeer = 127.0.0.1:7101\n", FILE);
        assertEquals(List.of(addr("127.0.0.1:7101")), r.config().peers());
        assertEquals(List.of(FILE + " line 3: own address 127.0.0.1:7100 in the peer list is ignored"), r.warnings());
    }

    @Test
    void idleTimeoutNotAboveHeartbeatIsAWarning() throws Exception {
        ConfigLoader.LoadResult r = ConfigLoader.parseWithWarnings(HEAD + "[connection]\nidle_timeout_s = 20\n", FILE);
        assertEquals(20, r.config().idleTimeoutS());
        assertEquals(List.of(FILE + " line 4: idle_timeout_s (20) is not above heartbeat_interval_s (20):"
                + " healthy but quiet peers may be closed"), r.warnings());
    }

    @Test
    void heartbeatRaisedToIdleTimeoutIsAWarningOnItsLine() throws Exception {
        ConfigLoader.LoadResult r = ConfigLoader.parseWithWarnings(HEAD + "[connection]\nheartbeat_interval_s = 200\n", FILE);
        assertEquals(List.of(FILE + " line 4: idle_timeout_s (60) is not above heartbeat_interval_s (200):"
                + " healthy but quiet peers may be closed"), r.warnings());
    }

    @Test
    void inlineCommentsWithSemicolonOrHashAreStripped() throws Exception {
        NodeConfig cfg = parse("""
                # a whole-line hash comment
                ; a whole-line semicolon comment
                [network]   ; a comment after a header
                local_ip = 127.0.0.1 ; semicolon
                port = 7200\t# hash after a tab
                peer = 127.0.0.2 # hash
                [security] # hash after a header
                accept_unknown_peers = true ;
                """);
        assertEquals(7200, cfg.port());
        assertEquals(List.of(addr("127.0.0.2:7200")), cfg.peers());
        assertTrue(cfg.acceptUnknownPeers());
    }

    @Test
    void commentCharWithoutSpaceBeforeItIsPartOfTheValue() {
        assertEquals(FILE + " line 3: port = 7100;x: expected a whole number from 1 to 65535",
                error(HEAD + "port = 7100;x\n"));
        assertEquals(FILE + " line 3: port = 7100#x: expected a whole number from 1 to 65535",
                error(HEAD + "port = 7100#x\n"));
    }

    @Test
    void quotedValuesAreUnquoted() throws Exception {
        NodeConfig cfg = parse("[network]\nlocal_ip = \"127.0.0.1\" ; quoted\npeer = '127.0.0.2:7101'\n");
        assertEquals(ip("127.0.0.1"), cfg.localIp());
        assertEquals(List.of(addr("127.0.0.2:7101")), cfg.peers());
    }

    @Test
    void byteOrderMarkCrLfAndIndentationAreFine() throws Exception {
        NodeConfig cfg = parse("\uFEFF[network]\r\n   local_ip=127.0.0.1\r\n\t[ connection ]\r\n  keepalive_count =9  \r\n");
        assertEquals(9, cfg.keepaliveCount());
    }

    @Test
    void repeatedSectionHeadersMerge() throws Exception {
        NodeConfig cfg = parse(HEAD + "peer = 127.0.0.3\n[connection]\nkeepalive_count = 5\n[network]\npeer = 127.0.0.2\n");
        assertEquals(List.of(addr("127.0.0.2:7100"), addr("127.0.0.3:7100")), cfg.peers());
        assertEquals(5, cfg.keepaliveCount());
    }

    @Test
    void variablesAreNotExpanded() {
        // ${localhost:...} would look up the host name; ${sys:...} would read the JVM's properties.
        // With lookups on, this would read as 2147483647 and load.
        assertEquals(FILE + " line 4: keepalive_idle_s = ${const:java.lang.Integer.MAX_VALUE}: expected a whole number >= 1",
                error(HEAD + "[connection]\nkeepalive_idle_s = ${const:java.lang.Integer.MAX_VALUE}\n"));
    }

    @Test
    void loadReadsAFileAsUtf8() throws Exception {
        Path file = write("peerpool.ini", "; é\n" + HEAD + "peer = 127.0.0.2\n");
        assertEquals(List.of(addr("127.0.0.2:7100")), ConfigLoader.load(file).peers());
    }

    // ---- syntax ----

    @Test
    void lineThatIsNotKeyValueHeaderOrComment() {
        assertEquals(FILE + " line 3: 'port 7100': expected key = value, a [section] header or a comment",
                error(HEAD + "port 7100\n"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"port : 7100", "[network", "network]", "po rt = 7100", "= 7100", "[network] extra"})
    void otherSyntaxErrors(String line) {
        assertEquals(FILE + " line 3: '" + line + "': expected key = value, a [section] header or a comment",
                error(HEAD + line + "\n"));
    }

    @Test
    void unknownSection() {
        assertEquals(FILE + " line 3: unknown section [netwrk] (expected [network], [connection], [security], [peers] or [tls])",
                error(HEAD + "[netwrk]\n"));
    }

    @Test
    void unknownKeyInKnownSection() {
        assertEquals(FILE + " line 4: unknown key 'keepalive' in [connection] (expected one of: handshake_timeout_ms,"
                + " keepalive_idle_s, keepalive_interval_s, keepalive_count, reconnect_min_ms, reconnect_max_ms,"
                + " heartbeat_interval_s, idle_timeout_s, reverse_dial_after_s, max_frame_bytes, max_pending_bytes)",
                error(HEAD + "[connection]\nkeepalive = 1\n"));
    }

    @Test
    void unknownKeyBeforeAnySection() {
        assertEquals(FILE + " line 1: unknown key 'foo' before any section"
                + " (expected a [network], [connection], [security], [peers] or [tls] header first)", error("foo = 1\n" + HEAD));
    }

    @Test
    void knownKeyBeforeAnySection() {
        assertEquals(FILE + " line 1: local_ip is outside any section (expected it under [network])",
                error("local_ip = 127.0.0.1\n[network]\n"));
    }

    @Test
    void knownKeyInTheWrongSection() {
        assertEquals(FILE + " line 4: port belongs in [network], not [connection]",
                error(HEAD + "[connection]\nport = 7100\n"));
    }

    @Test
    void keysAreLowerCase() {
        assertEquals(FILE + " line 3: unknown key 'Port' (keys are lower case: port)", error(HEAD + "Port = 7100\n"));
    }

    @Test
    void nonPeerKeyGivenTwice() {
        assertEquals(FILE + " line 4: port is given twice (first at line 3); only peer and dns may repeat",
                error(HEAD + "port = 7100\nport = 7101\n"));
    }

    @Test
    void keyGivenTwiceAcrossRepeatedSections() {
        assertEquals(FILE + " line 4: local_ip is given twice (first at line 2); only peer and dns may repeat",
                error(HEAD + "[network]\nlocal_ip = 127.0.0.2\n"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"port =", "port = ; a comment", "port = # a comment", "port = \"\""})
    void keyWithoutValue(String line) {
        assertEquals(FILE + " line 3: port has no value", error(HEAD + line + "\n"));
    }

    @Test
    void unterminatedQuote() {
        assertEquals(FILE + " line 3: port = \"7100: expected a closing \"", error(HEAD + "port = \"7100\n"));
    }

    @Test
    void textAfterClosingQuote() {
        assertEquals(FILE + " line 3: port = \"7100\" 1: expected nothing but a comment after the closing \"",
                error(HEAD + "port = \"7100\" 1\n"));
    }

    @Test
    void quoteInsideValue() {
        assertEquals(FILE + " line 3: peer = 127.0.0.2:\"7100\": expected quotes around the whole value or none",
                error(HEAD + "peer = 127.0.0.2:\"7100\"\n"));
    }

    @Test
    void lineContinuationIsRejected() {
        assertEquals(FILE + " line 3: peer = 127.0.0.2 \\: a trailing '\\' (line continuation) is not supported",
                error(HEAD + "peer = 127.0.0.2 \\\npeer = 127.0.0.3\n"));
    }

    @Test
    void quoteInsideACommentDoesNotConfuseTheReader() throws Exception {
        // INIConfiguration alone would split this line at the ':' before the quote.
        NodeConfig cfg = parse(HEAD + "peer = 127.0.0.2 ; note: \"backup\"\n");
        assertEquals(List.of(addr("127.0.0.2:7100")), cfg.peers());
    }

    // ---- values ----

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "localhost | not an IP address (expected a.b.c.d or [IPv6])",
            "node1.example.com | not an IP address (expected a.b.c.d or [IPv6])",
            "256.0.0.1 | IPv4 octet 256 out of range (expected 0..255)",
            "127.0.0 | not an IP address (expected a.b.c.d or [IPv6])",
            "::g | not an IPv6 literal",
            "127.0.0.1:7100 | expected an IP without a port (the port is set by port = ...)",
            "0.0.0.0 | expected an IP of this node (not a wildcard or multicast address)",
            "224.0.0.1 | expected an IP of this node (not a wildcard or multicast address)"})
    void badLocalIp(String value, String problem) {
        assertEquals(FILE + " line 2: local_ip = " + value + ": " + problem, error("[network]\nlocal_ip = " + value + "\n"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "localhost | not an IP address (expected a.b.c.d or [IPv6])",
            "node2.example.com:7100 | not an IP address (expected a.b.c.d or [IPv6])",
            "127.0.0.2:0 | port 0 out of range (expected 1..65535)",
            "127.0.0.2:65536 | port 65536 out of range (expected 1..65535)",
            "127.0.0.2:http | port 'http' is not a number (expected 1..65535)",
            "127.0.0.2: | port '' is not a number (expected 1..65535)",
            "::1:7100 | write an IPv6 address as [IP]:PORT",
            "[::1:7100 | missing ']' after IPv6 literal",
            "[127.0.0.2]:7100 | brackets are for IPv6 literals only",
            "0.0.0.0 | expected a peer's IP (not a wildcard or multicast address)"})
    void badPeer(String value, String problem) {
        assertEquals(FILE + " line 3: peer = " + value + ": " + problem, error(HEAD + "peer = " + value + "\n"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "0 | a whole number from 1 to 65535",
            "-1 | a whole number from 1 to 65535",
            "65536 | a whole number from 1 to 65535",
            "seven | a whole number from 1 to 65535",
            "7100.0 | a whole number from 1 to 65535",
            "99999999999999999999 | a whole number from 1 to 65535"})
    void badPort(String value, String expected) {
        assertEquals(FILE + " line 3: port = " + value + ": expected " + expected, error(HEAD + "port = " + value + "\n"));
    }

    @ParameterizedTest
    @CsvSource({
            "handshake_timeout_ms, 1", "keepalive_idle_s, 1", "keepalive_interval_s, 1", "keepalive_count, 1",
            "reconnect_min_ms, 1", "reconnect_max_ms, 1", "heartbeat_interval_s, 1", "idle_timeout_s, 1",
            "reverse_dial_after_s, 0", "max_frame_bytes, 4096", "max_pending_bytes, 1"})
    void connectionNumbersHaveAMinimum(String key, int min) {
        for (String value : List.of(String.valueOf(min - 1), "-5")) {
            assertEquals(FILE + " line 4: " + key + " = " + value + ": expected a whole number >= " + min,
                    error(HEAD + "[connection]\n" + key + " = " + value + "\n"));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.5", "ten", "1e3", "0x10", "30s", "3 0"})
    void nonIntegerValues(String value) {
        assertEquals(FILE + " line 4: keepalive_idle_s = " + value + ": expected a whole number >= 1",
                error(HEAD + "[connection]\nkeepalive_idle_s = " + value + "\n"));
    }

    @Test
    void valueOverflowingAnInt() {
        assertEquals(FILE + " line 4: keepalive_idle_s = 2147483648: expected a whole number from 1 to 2147483647",
                error(HEAD + "[connection]\nkeepalive_idle_s = 2147483648\n"));
    }

    @Test
    void valueOverflowingALong() {
        assertEquals(FILE + " line 4: max_pending_bytes = 9223372036854775808: expected a whole number from 1 to"
                + " 9223372036854775807", error(HEAD + "[connection]\nmax_pending_bytes = 9223372036854775808\n"));
    }

    @Test
    void reconnectMaxBelowMin() {
        assertEquals(FILE + " line 5: reconnect_max_ms = 500: expected >= reconnect_min_ms (1000)",
                error(HEAD + "[connection]\nreconnect_min_ms = 1000\nreconnect_max_ms = 500\n"));
        assertEquals(FILE + " line 4: reconnect_max_ms = 500: expected >= reconnect_min_ms (1000, from the default)",
                error(HEAD + "[connection]\nreconnect_max_ms = 500\n"));
    }

    @Test
    void reconnectMinAboveDefaultMax() {
        assertEquals(FILE + " line 4: reconnect_min_ms = 90000: expected <= reconnect_max_ms (60000, from the default)",
                error(HEAD + "[connection]\nreconnect_min_ms = 90000\n"));
    }

    @Test
    void maxFrameBytesBelow4096() {
        assertEquals(FILE + " line 4: max_frame_bytes = 4095: expected a whole number >= 4096",
                error(HEAD + "[connection]\nmax_frame_bytes = 4095\n"));
    }

    @Test
    void maxPendingBytesMustHoldAMaximalFrame() {
        assertEquals(FILE + " line 5: max_pending_bytes = 8195: expected >= max_frame_bytes + 4 (8196),"
                + " so a maximal frame fits the send queue",
                error(HEAD + "[connection]\nmax_frame_bytes = 8192\nmax_pending_bytes = 8195\n"));
        assertEquals(FILE + " line 4: max_frame_bytes = 16777216: expected <= max_pending_bytes - 4"
                + " (16777212, from the default), so a maximal frame fits the send queue",
                error(HEAD + "[connection]\nmax_frame_bytes = 16777216\n"));
    }

    @Test
    void maxPendingBytesMayExceedAnInt() throws Exception {
        assertEquals(4_294_967_296L, parse(HEAD + "[connection]\nmax_pending_bytes = 4294967296\n").maxPendingBytes());
    }

    @ParameterizedTest
    @ValueSource(strings = {"yes", "1", "on", "truee", "false!"})
    void acceptUnknownPeersMustBeTrueOrFalse(String value) {
        assertEquals(FILE + " line 4: accept_unknown_peers = " + value + ": expected true or false",
                error(HEAD + "[security]\naccept_unknown_peers = " + value + "\n"));
    }

    @Test
    void acceptUnknownPeersIgnoresCase() throws Exception {
        assertTrue(parse(HEAD + "[security]\naccept_unknown_peers = True\n").acceptUnknownPeers());
        assertFalse(parse(HEAD + "[security]\naccept_unknown_peers = FALSE\n").acceptUnknownPeers());
    }

    // ---- whole file ----

    @ParameterizedTest
    @ValueSource(strings = {"", " \n\t\n", "\uFEFF"})
    void emptyFile(String text) {
        assertEquals(FILE + ": file is empty (expected at least [network] with local_ip = 127.0.0.1)", error(text));
    }

    @Test
    void fileWithOnlyComments() {
        assertEquals(FILE + ": file has only comments, no settings (expected at least [network] with local_ip = 127.0.0.1)",
                error("; nothing here\n# nor here\n\n"));
    }

    @Test
    void missingLocalIp() {
        assertEquals(FILE + ": local_ip is missing (required, e.g. local_ip = 127.0.0.1)",
                error("[network]\nport = 7100\npeer = 127.0.0.2\n"));
    }

    @Test
    void fileNotFound() {
        Path file = dir.resolve("missing.ini");
        assertEquals(file + ": file not found", loadError(file));
    }

    @Test
    void directoryInsteadOfFile() {
        assertEquals(dir + ": is a directory (expected a config file)", loadError(dir));
    }

    @Test
    void fileThatIsNotUtf8() throws Exception {
        Path file = dir.resolve("latin1.ini");
        Files.write(file, ("; caf\u00e9\n" + HEAD).getBytes(StandardCharsets.ISO_8859_1));
        assertEquals(file + ": cannot read file (expected UTF-8 text)", loadError(file));
    }

    @Test
    void unreadableFile() throws Exception {
        Path file = write("locked.ini", HEAD);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("---------"));
        assumeFalse(Files.isReadable(file), "running as root: permissions do not stop reading");
        assertEquals(file + ": cannot read file (permission denied)", loadError(file));
    }

    @Test
    void pathThroughAFileIsUnreadable() throws Exception {
        Path file = write("plain.ini", HEAD).resolve("peerpool.ini");
        assertEquals(file + ": cannot read file (Not a directory)", loadError(file));
    }

    @Test
    void errorsInAFileNameTheFileAsGiven() throws Exception {
        Path file = write("bad.ini", HEAD + "port = 0\n");
        assertEquals(file + " line 3: port = 0: expected a whole number from 1 to 65535", loadError(file));
    }

    // ---- helpers ----

    private static NodeConfig parse(String text) throws ConfigException {
        return ConfigLoader.parse(text, FILE);
    }

    private static String error(String text) {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse(text, FILE));
        return oneLine(e);
    }

    private static String loadError(Path file) {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file));
        return oneLine(e);
    }

    private static String oneLine(ConfigException e) {
        assertFalse(e.getMessage().contains("\n") || e.getMessage().contains("\r"), e.getMessage());
        return e.getMessage();
    }

    private Path write(String name, String text) throws Exception {
        return Files.writeString(dir.resolve(name), text, StandardCharsets.UTF_8);
    }

    private static Path resource(String name) throws URISyntaxException {
        return Path.of(ConfigLoaderTest.class.getClassLoader().getResource(name).toURI());
    }

    private static InetAddress ip(String text) {
        return NodeAddress.parseIp(text, text);
    }

    private static NodeAddress addr(String text) {
        return NodeAddress.parse(text);
    }
}
