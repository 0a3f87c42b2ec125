package org.peerpool.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The [peers] section (DESIGN.md A2) as the loader reads and checks it. */
class PeersSectionTest {

    private static final String FILE = "/etc/peerpool/peerpool.ini";
    private static final String HEAD = "[network]\nlocal_ip = 127.0.0.1\nport = 7200\n[peers]\n";

    private static NodeConfig parse(String text) throws ConfigException {
        return ConfigLoader.parse(text, FILE);
    }

    private static String error(String text) {
        return assertThrows(ConfigException.class, () -> parse(text)).getMessage();
    }

    @Test
    void everyKeyIsRead() throws Exception {
        PeerSourceSettings s = parse(HEAD + """
                file = masternodes.txt   ; written by the node daemon
                dns = seeds.example.net:7100
                dns = peers.mesh.svc.cluster.local.
                dns_refresh_s = 30
                max_drop_fraction = 0.25
                """).sources();

        assertEquals(Path.of("/etc/peerpool/masternodes.txt"), s.file(), "relative to the INI's directory");
        assertEquals(List.of(new DnsName("seeds.example.net", 7100), new DnsName("peers.mesh.svc.cluster.local", 7200)),
                s.dns(), "repeatable; a name without a port takes [network] port");
        assertEquals(30, s.dnsRefreshS());
        assertEquals(0.25, s.maxDropFraction());
    }

    @Test
    void defaultsAreNoSources() throws Exception {
        assertEquals(PeerSourceSettings.NONE, parse(HEAD).sources());
        assertEquals(PeerSourceSettings.NONE, parse("[network]\nlocal_ip = 127.0.0.1\n").sources());
    }

    @Test
    void theShippedSampleLoadsWithItsPeersSectionCommentedOut() throws Exception {
        assertEquals(PeerSourceSettings.NONE, ConfigLoader.load(Path.of("etc/peerpool.ini")).sources());
    }

    @Test
    void anAbsoluteFileStaysAsWritten() throws Exception {
        assertEquals(Path.of("/var/lib/node/mn.txt"), parse(HEAD + "file = /var/lib/node/mn.txt\n").sources().file());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "dns_refresh_s = 0       | line 5: dns_refresh_s = 0: expected a whole number from 1 to 86400",
        "dns_refresh_s = 86401   | line 5: dns_refresh_s = 86401: expected a whole number from 1 to 86400",
        "dns_refresh_s = 1m      | line 5: dns_refresh_s = 1m: expected a whole number from 1 to 86400",
        "max_drop_fraction = 0   | line 5: max_drop_fraction = 0: expected a fraction above 0 and at most 1, e.g. 0.5",
        "max_drop_fraction = 1.5 | line 5: max_drop_fraction = 1.5: expected a fraction above 0 and at most 1, e.g. 0.5",
        "max_drop_fraction = -0.5| line 5: max_drop_fraction = -0.5: expected a fraction above 0 and at most 1, e.g. 0.5",
        "max_drop_fraction = half| line 5: max_drop_fraction = half: expected a fraction above 0 and at most 1, e.g. 0.5",
        "dns = seeds example.net | line 5: dns = seeds example.net: expected NAME[:PORT], a DNS name and an optional port from 1 to 65535",
        "dns = seeds.net:99999   | line 5: dns = seeds.net:99999: expected NAME[:PORT], a DNS name and an optional port from 1 to 65535",
        "dns = seeds.net:        | line 5: dns = seeds.net:: expected NAME[:PORT], a DNS name and an optional port from 1 to 65535",
        "dns = -bad.net          | line 5: dns = -bad.net: expected NAME[:PORT], a DNS name and an optional port from 1 to 65535",
        "dns = 10.0.0.1:7100     | line 5: dns = 10.0.0.1:7100: an IP is not a DNS name (write it as a peer = line)",
        "dns = [::1]:7100        | line 5: dns = [::1]:7100: expected NAME[:PORT], a DNS name and an optional port from 1 to 65535",
        "seeds = a.net           | line 5: unknown key 'seeds' in [peers] (expected one of: file, dns, dns_refresh_s, max_drop_fraction)",
        "peer = 127.0.0.2        | line 5: peer belongs in [network], not [peers]",
    })
    void badValuesAreRejectedNamingTheLine(String line, String expected) {
        assertEquals(FILE + " " + expected, error(HEAD + line + "\n"));
    }

    @Test
    void fileIsGivenOnce() {
        assertEquals(FILE + " line 6: file is given twice (first at line 5); only peer and dns may repeat",
                error(HEAD + "file = a.txt\nfile = b.txt\n"));
    }

    @Test
    void aDuplicateDnsNameCountsOnce() throws Exception {
        assertEquals(List.of(new DnsName("seeds.net", 7200)),
                parse(HEAD + "dns = seeds.net\ndns = seeds.net:7200\n").sources().dns());
    }
}
