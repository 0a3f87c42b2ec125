package org.peerpool.sources;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.peerpool.config.DnsName;
import org.peerpool.config.NodeConfig;
import org.peerpool.testing.Await;
import org.peerpool.testing.TestNet;
import org.peerpool.wire.NodeAddress;

/** Reconfiguring the sources: what stays keeps its list, what goes takes its peers with it. */
@Timeout(30)
class PeerSourcesTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final NodeAddress B = TestNet.address(2, 7100);
    private static final NodeAddress C = TestNet.address(3, 7100);

    /** Answers what the test last set. */
    private final AtomicReference<List<InetAddress>> answer = new AtomicReference<>(List.of(TestNet.ip(2)));
    private final AtomicInteger asked = new AtomicInteger();
    private final AtomicInteger changes = new AtomicInteger();
    private final PeerSources sources = new PeerSources("node", host -> {
        asked.incrementAndGet();
        return answer.get();
    }, changes::incrementAndGet);

    @AfterEach
    void close() {
        sources.close();
    }

    private static NodeConfig ini(int refreshS, String... names) {
        return NodeConfig.builder(TestNet.ip(1)).port(7100).dnsRefreshS(refreshS)
                .dns(Arrays.stream(names).map(n -> DnsName.parse(n, 7100)).toList()).build();
    }

    @Test
    void aNewRefreshKeepsTheListAndANameRemovedTakesItsPeers() {
        sources.configure(ini(3600, "seeds.test"));
        Await.until(WAIT, () -> sources.merge(ini(3600)).config().peers().equals(List.of(B)), "first answer");
        assertEquals(List.of("dns:seeds.test:7100"), sources.sourcesOf(B));

        int before = changes.get();
        int askedBefore = asked.get();
        sources.configure(ini(1, "seeds.test"));
        Await.until(WAIT, () -> asked.get() >= askedBefore + 2, "asked again on the new schedule");
        assertEquals(before, changes.get(), "the same answer changed nothing: the list was kept across the reschedule");

        answer.set(List.of(TestNet.ip(2), TestNet.ip(3)));
        Await.until(WAIT, () -> sources.merge(ini(1)).config().peers().equals(List.of(B, C)), "a new answer applies");

        sources.configure(ini(1));
        Await.until(WAIT, () -> sources.merge(ini(1)).config().peers().isEmpty(), "the name's peers went with it");
    }
}
