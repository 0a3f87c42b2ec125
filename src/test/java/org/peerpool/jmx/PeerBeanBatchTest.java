package org.peerpool.jmx;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.reflect.Proxy;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import javax.management.AttributeList;

import org.junit.jupiter.api.Test;
import org.peerpool.PeerMXBean;
import org.peerpool.PoolView;
import org.peerpool.wire.NodeAddress;

/**
 * A client that reads a Peer bean's attributes in one {@code getAttributes} call (a
 * Prometheus scrape reads all 28 of each of 1,000 beans) gets them from one snapshot
 * of the peer, taken once under the pool's lock instead of once per attribute.
 */
class PeerBeanBatchTest {

    private static final NodeAddress PEER = NodeAddress.parse("127.0.0.2:7100");

    @Test
    void oneGetAttributesCallReadsThePeerOnceAndSingleReadsEachReadIt() throws Exception {
        AtomicInteger reads = new AtomicInteger();
        PoolView pool = (PoolView) Proxy.newProxyInstance(PoolView.class.getClassLoader(), new Class<?>[] {PoolView.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("snapshot")) {
                        reads.incrementAndGet();
                        return Optional.empty();
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
        DescribedMBean bean = new DescribedMBean(new PeerBean(pool, PEER, null, null), PeerMXBean.class);
        String[] names = {"State", "Direction", "MessagesIn", "MessagesOut", "BytesIn", "QueuedBytes", "Security",
                "LastError"};

        AttributeList all = bean.getAttributes(names);
        assertEquals(names.length, all.size(), all.toString());
        assertEquals(1, reads.get(), "one snapshot for the whole call");
        assertEquals("", all.asList().get(0).getValue(), "a peer gone reads as empty");

        bean.getAttribute("State");
        bean.getAttribute("MessagesIn");
        assertEquals(3, reads.get(), "outside a getAttributes call each getter reads afresh");
        bean.getAttributes(names);
        assertEquals(4, reads.get(), "the next call takes a snapshot of its own");
    }
}
