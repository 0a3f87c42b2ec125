package org.peerpool.sources;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.peerpool.testing.TestNet;
import org.peerpool.tls.KeyPin;
import org.peerpool.wire.NodeAddress;

/** One source's standing: holds, their confirmation and failures, on a clock the test sets. */
class SourceStateTest {

    private static final long HOLD_MS = 1000;
    private static final long MS = 1_000_000L;

    private static Map<NodeAddress, Set<KeyPin>> peers(int... hosts) {
        Map<NodeAddress, Set<KeyPin>> out = new HashMap<>();
        for (int h : hosts) {
            out.put(TestNet.address(h, 7100), Set.of());
        }
        return out;
    }

    private final SourceState state = new SourceState("node", "dns:seeds.test:7100", 0.5);

    @Test
    void aHeldAnswerAppliesOnlyWhenAnAnswerAHoldLaterAgrees() {
        assertTrue(state.answer(peers(2, 3, 4, 5), HOLD_MS, 0));

        assertFalse(state.answer(peers(2), HOLD_MS, 10 * MS), "three of four dropped: held");
        assertFalse(state.answer(peers(2), HOLD_MS, 900 * MS), "not yet a hold later");
        assertFalse(state.answer(peers(3), HOLD_MS, 1100 * MS), "a different answer starts its own hold");
        assertTrue(state.problem().startsWith("dns:seeds.test:7100: held back an answer dropping 3 of 4 peers"));
        assertTrue(state.answer(peers(3), HOLD_MS, 2100 * MS), "confirmed a hold later");
        assertEquals(peers(3), state.current());
        assertNull(state.problem());
    }

    @Test
    void aMildAnswerEndsAHold() {
        state.answer(peers(2, 3, 4, 5), HOLD_MS, 0);
        state.answer(peers(), HOLD_MS, 10 * MS);

        assertTrue(state.answer(peers(2, 3, 6), HOLD_MS, 20 * MS), "two of four dropped is not more than half");
        assertNull(state.problem());
        assertFalse(state.answer(peers(), HOLD_MS, 2000 * MS), "the old hold is gone: a new one starts");
    }

    @Test
    void aFailureKeepsTheListUntilTheSourceAnswers() {
        state.answer(peers(2, 3), HOLD_MS, 0);
        state.fail(new SourceException("seeds.test: no such name (NXDOMAIN)"));

        assertEquals(peers(2, 3), state.current());
        assertEquals("dns:seeds.test:7100: seeds.test: no such name (NXDOMAIN); keeping its last 2 peers",
                state.problem());
        assertFalse(state.answer(peers(2, 3), HOLD_MS, 10 * MS), "the same list again: nothing changed");
        assertNull(state.problem(), "answering again clears the error");
    }
}
