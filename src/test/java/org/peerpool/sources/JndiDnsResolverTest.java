package org.peerpool.sources;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.Set;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.peerpool.testing.TestNet;
import org.peerpool.testing.TinyDns;

/** The production resolver against a DNS server the test runs: fresh answers, and failures told apart. */
@Timeout(30)
class JndiDnsResolverTest {

    private TinyDns dns;
    private JndiDnsResolver resolver;

    @BeforeEach
    void start() throws Exception {
        dns = TinyDns.on(TestNet.ip(53));
        resolver = JndiDnsResolver.at(dns.url(), 300, 1);
    }

    @AfterEach
    void stop() {
        dns.close();
    }

    @Test
    void answersAAndAaaaAndNeverCaches() throws Exception {
        dns.answer("seeds.test", TestNet.ip(2), InetAddress.getByName("::1"));
        assertEquals(Set.of(TestNet.ip(2), InetAddress.getByName("::1")), Set.copyOf(resolver.resolve("seeds.test")));

        dns.answer("seeds.test", TestNet.ip(3));
        assertEquals(Set.of(TestNet.ip(3)), Set.copyOf(resolver.resolve("seeds.test")), "the new answer at once");
    }

    @Test
    void nameWithoutRecordsIsAnEmptyAnswer() throws Exception {
        dns.answer("empty.test");
        assertEquals(Set.of(), Set.copyOf(resolver.resolve("empty.test")));
    }

    @Test
    void nxdomainAndSilenceAreToldApart() {
        dns.nxdomain("gone.test");
        assertEquals("gone.test: no such name (NXDOMAIN)",
                assertThrows(SourceException.class, () -> resolver.resolve("gone.test")).getMessage());

        dns.answer("seeds.test", TestNet.ip(2));
        dns.silent(true);
        long t0 = System.nanoTime();
        String silent = assertThrows(SourceException.class, () -> resolver.resolve("seeds.test")).getMessage();
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(silent.startsWith("seeds.test: no answer from DNS"), silent);
        System.out.println("JndiDnsResolverTest: a silent server gave up after " + ms + " ms (one try of 300 ms)");
    }
}
