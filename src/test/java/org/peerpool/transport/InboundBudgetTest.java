package org.peerpool.transport;

import org.apache.mina.core.session.DummySession;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The node's budget for large frames still arriving: what does not fit waits with its
 * reads suspended, is served in order as room comes back, and nothing is lost when a
 * session closes while it holds or waits for room.
 */
class InboundBudgetTest {

    private static final long MIB = 1 << 20;

    @Test
    void whatDoesNotFitWaitsSuspendedAndIsResumedInOrder() {
        InboundBudget budget = new InboundBudget(() -> 10 * MIB);
        DummySession a = new DummySession();
        DummySession b = new DummySession();
        DummySession c = new DummySession();
        DummySession d = new DummySession();
        assertTrue(budget.request(a, 4 * MIB));
        assertTrue(budget.request(b, 4 * MIB));
        assertFalse(budget.request(c, 4 * MIB), "12 MiB would pass the budget");
        assertTrue(c.isReadSuspended());
        assertFalse(budget.request(d, MIB), "a newcomer waits behind c, though it would fit");
        assertTrue(d.isReadSuspended());

        budget.release(4 * MIB);
        assertFalse(c.isReadSuspended(), "c resumed, its room set aside");
        assertFalse(d.isReadSuspended(), "and d after it, which fits too");
        assertEquals(9 * MIB, budget.granted());
        assertTrue(budget.request(c, 4 * MIB), "c asks again and has its room");
        assertTrue(budget.request(d, MIB));
        assertEquals(9 * MIB, budget.granted());
    }

    @Test
    void aFrameLargerThanTheBudgetGoesAloneInsteadOfNever() {
        InboundBudget budget = new InboundBudget(() -> 2 * MIB);
        DummySession a = new DummySession();
        DummySession big = new DummySession();
        assertTrue(budget.request(a, MIB));
        assertFalse(budget.request(big, 4 * MIB));
        budget.release(MIB);
        assertFalse(big.isReadSuspended());
        assertTrue(budget.request(big, 4 * MIB));
    }

    @Test
    void aClosedSessionGivesBackWhatWasSetAsideForIt() {
        InboundBudget budget = new InboundBudget(() -> 4 * MIB);
        DummySession a = new DummySession();
        DummySession b = new DummySession();
        DummySession c = new DummySession();
        assertTrue(budget.request(a, 3 * MIB));
        assertFalse(budget.request(b, 3 * MIB));
        assertFalse(budget.request(c, 3 * MIB));
        budget.release(3 * MIB);
        assertFalse(b.isReadSuspended());
        assertTrue(c.isReadSuspended(), "only b fits");
        budget.forget(b);
        assertFalse(c.isReadSuspended(), "b closed before taking its room: c gets it");
        assertEquals(3 * MIB, budget.granted());
    }
}
