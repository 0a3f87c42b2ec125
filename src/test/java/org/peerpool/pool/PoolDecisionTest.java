package org.peerpool.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.peerpool.PeerEvent.Direction;
import org.peerpool.PeerState;
import org.peerpool.testing.Keys;
import org.peerpool.testing.QuietLogs;
import org.peerpool.tls.KeyPin;
import org.peerpool.tls.LocalKey;
import org.peerpool.wire.NodeAddress;

/**
 * One decision of the pool per test, each a scripted scenario of two or three simulated
 * nodes ({@link SimScript}) on simulated time: no socket, no thread, no wall clock. Each
 * pins down a defect the simulator found and this branch fixed, so the scenario is built
 * to reach the exact moment the old code decided wrongly (a re-judge while a dial is in
 * flight, an ANNOUNCE read during a graceful close, a re-add while a socket still
 * closes) and asserts the decision there, or by a deadline in simulated time. Node 0 has
 * the lowest address, so it is the initiator of every pair; the simulator's own
 * invariants ({@link SimChecks}) are checked after every event as well.
 */
class PoolDecisionTest {

    private static List<LocalKey> keys;

    @BeforeAll
    static void keys() throws Exception {
        // The simulator's key names: made once per JVM, shared with SimulationTest.
        String[] names = {"sim-a", "sim-b", "sim-c"};
        Keys.prepare(names);
        keys = new ArrayList<>();
        for (String n : names) {
            Keys.Key k = Keys.get(n);
            keys.add(LocalKey.load(k.file(), k.password().toCharArray()));
        }
        QuietLogs.silence(ConnectionPool.class.getName());
    }

    @AfterAll
    static void logs() {
        QuietLogs.restore(ConnectionPool.class.getName());
    }

    // ---------------------------------------------------------------- a. re-judge during a reverse dial

    /**
     * The higher node's reverse dial hangs (its way to the lower node is blocked for now,
     * the lower node's way to it for good) when its TLS mode changes: the re-judge drops
     * that dial, set up by the old settings, and must arm the next one. It is never left
     * without a reason to change, and once its way opens the pair runs on a reverse
     * connection.
     */
    @Test
    void rejudgeDuringReverseDialArmsTheNextOne() {
        SimScript s = new SimScript(2, keys);
        s.plan(1).reverseDialAfterS = 5;
        NodeAddress lo = s.addr(0);
        // The one-way firewall: the lower node's canonical dials hang for good...
        s.block(0, 1, true);
        // ...and the higher node's reverse dials hang too, until its way opens below.
        s.block(1, 0, true);
        s.act(() -> {
            s.start(0);
            s.start(1);
        });
        // A responder with reverse dials on that is not connected waits for exactly one thing.
        s.always("the higher node has exactly one reason to change while apart from the lower one", () -> {
            int reasons = s.reasons(1, lo);
            return s.current(1, lo) != null || reasons == 1 ? null : reasons + " reasons";
        });
        s.runUntil("the higher node reverse-dials the lower one", () -> {
            Connection a = s.attempt(1, lo);
            return a != null && a.isReverse();
        }, 6000);

        s.plan(1).stage = SimPlan.Stage.OPTIONAL;
        s.act(() -> s.save(1));
        assertNull(s.attempt(1, lo), "the reverse dial set up under TLS off was dropped");

        // The lower node's side becomes reachable while the dropped dial still hangs.
        s.runFor(1000);
        s.act(() -> s.block(1, 0, false));
        s.runUntil("the pair connects on a reverse connection", () -> s.paired(0, 1), 10_000);
        Connection hi = s.current(1, lo);
        assertTrue(hi.isReverse() && hi.direction() == Direction.OUTBOUND, "the higher node dialed: " + hi);
        assertEquals(PeerState.CONNECTED, s.stateOf(1, lo));
    }

    // ---------------------------------------------------------------- b. a dial that throws

    /**
     * The transport throws from {@code Dialer.dial} twice: each time the peer goes to
     * BACKOFF with the failure counted, is dialed again at the backoff pace, and the
     * operator's connect-now dials it at once instead of finding nothing to do.
     */
    @Test
    void dialThatThrowsBacksOffAndIsDialedAgain() {
        SimScript s = new SimScript(2, keys);
        NodeAddress hi = s.addr(1);
        s.node(0).throwNextDials = 2;
        s.act(() -> s.start(1));
        // The initiator's first dial, made by its start, throws inside it.
        s.act(() -> s.start(0));

        assertEquals(1, s.dialsOf(0, hi).size());
        assertEquals(PeerState.BACKOFF, s.stateOf(0, hi), "after the dial threw:\n" + s.describe());
        String error = s.entry(0, hi, e -> e.lastError);
        assertTrue(error.startsWith("dial failed: scripted"), error);
        assertEquals(1, (int) s.entry(0, hi, e -> e.failedAttempts));

        s.runUntil("the initiator dials again", () -> s.dialsOf(0, hi).size() == 2, SimScript.RECONNECT_MAX_MS * 1.2);
        List<SimScript.Dial> d = s.dialsOf(0, hi);
        long paceMs = Backoff.window(1, error, SimScript.RECONNECT_MIN_MS, SimScript.RECONNECT_MAX_MS).loMs();
        assertTrue(d.get(1).atMs() - d.get(0).atMs() >= paceMs, "redialed after " + (d.get(1).atMs() - d.get(0).atMs())
                + " ms, the backoff says at least " + paceMs);
        assertEquals(PeerState.BACKOFF, s.stateOf(0, hi), s.describe());

        boolean[] dialing = new boolean[1];
        s.act(() -> dialing[0] = s.pool(0).connectNow(hi));
        assertTrue(dialing[0], "connect-now in BACKOFF dials");
        assertEquals(3, s.dialsOf(0, hi).size());
        s.runUntil("the pair connects", () -> s.paired(0, 1), 1000);
    }

    // ---------------------------------------------------------------- c. one socket per pair through a TLS step

    /**
     * TLS off to optional while the initiator's dial is in handshake: the dial, set up by
     * the old mode, is dropped, and its replacement starts only once the dropped socket
     * is closed.
     */
    @Test
    void offToOptionalRedialsOnlyAfterTheDroppedDialsSocketCloses() {
        SimScript s = new SimScript(2, keys);
        redialAfterDroppedDial(s, () -> s.plan(0).stage = SimPlan.Stage.OPTIONAL);
    }

    /**
     * Optional to pins while the initiator's plaintext dial is in handshake: the pinned
     * peer is dialed again, over TLS, only once the dropped plaintext socket is closed.
     */
    @Test
    void optionalToPinsRedialsOnlyAfterTheDroppedDialsSocketCloses() {
        SimScript s = new SimScript(2, keys);
        s.plan(0).stage = SimPlan.Stage.OPTIONAL;
        s.plan(1).stage = SimPlan.Stage.PINS;
        redialAfterDroppedDial(s, () -> s.plan(0).stage = SimPlan.Stage.PINS);
        assertTrue(s.current(0, s.addr(1)).link().security().isTls(), "the pinned pair moved to TLS");
    }

    private static void redialAfterDroppedDial(SimScript s, Runnable step) {
        NodeAddress hi = s.addr(1);
        s.noDialBesideOpenSocket();
        s.act(() -> {
            s.start(1);
            s.start(0);
        });
        // TCP is up and the HANDSHAKE is out: the socket is open when the step drops the dial.
        s.runUntil("the initiator's dial is in handshake", () -> s.stateOf(0, hi) == PeerState.HANDSHAKING, 1000);
        Connection dropped = s.attempt(0, hi);
        step.run();
        s.act(() -> s.save(0));
        assertTrue(dropped.isClosing(), "the dial set up by the old settings is dropped: " + dropped);
        s.runUntil("the pair connects again", () -> s.paired(0, 1), 2000);
        assertEquals(2, s.dialsOf(0, hi).size(), "one dial dropped, one replacement");
    }

    /**
     * Pins to required on the responder while the pair is plaintext: the responder closes
     * it with GOODBYE {@code security changed}, and the initiator, reading that GOODBYE,
     * redials only once its own end of that socket is closed (then over TLS, once its
     * operator pins the responder too).
     */
    @Test
    void pinsToRequiredRedialsOnlyAfterTheClosedSocketIsGone() {
        SimScript s = new SimScript(2, keys);
        NodeAddress hi = s.addr(1);
        s.plan(0).stage = SimPlan.Stage.OPTIONAL;
        s.plan(1).stage = SimPlan.Stage.PINS;
        s.noDialBesideOpenSocket();
        s.act(() -> {
            s.start(1);
            s.start(0);
        });
        s.runUntil("the pair connects in plaintext", () -> s.paired(0, 1), 1000);
        int before = s.dialsOf(0, hi).size();

        s.plan(1).stage = SimPlan.Stage.REQUIRED;
        s.act(() -> s.save(1));
        // Refused (plaintext under required) until the initiator's own step: the redial is what matters here.
        s.runUntil("the initiator redials", () -> s.dialsOf(0, hi).size() > before, 1000);

        s.plan(0).stage = SimPlan.Stage.PINS;
        s.act(() -> s.save(0));
        s.runUntil("the pair connects over TLS", () -> s.paired(0, 1)
                && s.current(0, hi).link().security().isTls(), 10_000);
    }

    // ---------------------------------------------------------------- d. connections still in handshake

    /**
     * The responder answered the initiator's TLS under {@code optional}; before the
     * HANDSHAKE arrives its mode goes {@code off}. That connection, in handshake, is
     * closed by the re-judge, and no TLS connection comes up while TLS is off.
     */
    @Test
    void tlsLinkInHandshakeIsClosedWhenTlsGoesOff() {
        SimScript s = new SimScript(2, keys);
        NodeAddress lo = s.addr(0);
        s.plan(0).stage = SimPlan.Stage.PINS;
        s.plan(1).stage = SimPlan.Stage.PINS;
        s.act(() -> {
            s.start(1);
            s.start(0);
        });
        s.runUntil("the responder has answered TLS and awaits the HANDSHAKE",
                () -> tlsInHandshake(s, 1, false) != null, 1000);
        Connection c = tlsInHandshake(s, 1, false);

        s.plan(1).stage = SimPlan.Stage.OFF;
        s.always("the TLS connection in handshake is closed once TLS is off", () -> c.isClosing() ? null
                : "still in handshake: " + c);
        s.act(() -> s.save(1));
        assertTrue(c.closeReason().startsWith(SecurityJudge.GOODBYE), c.closeReason());
        s.always("no TLS connection while TLS is off", () -> {
            Connection up = s.current(1, lo);
            return up != null && up.link().security().isTls() ? up + " is TLS" : null;
        });
        s.runFor(5000);
    }

    /**
     * The responder's end of a TLS link has finished TLS on its old key, and its
     * HANDSHAKE is still on the way, when the responder's key rotates (the initiator pins
     * both keys). The link is closed; the pair connects again on the new key.
     */
    @Test
    void linkInHandshakeIsNotKeptOnTheOldKey() {
        SimScript s = new SimScript(2, keys);
        NodeAddress lo = s.addr(0);
        LocalKey next = keys.get(2);
        s.plan(0).stage = SimPlan.Stage.PINS;
        s.plan(1).stage = SimPlan.Stage.PINS;
        s.plan(0).pins.put(1, Set.of(s.plan(1).key.pin(), next.pin()));
        s.act(() -> {
            s.start(1);
            s.start(0);
        });
        s.runUntil("the responder's end has finished TLS and awaits the HANDSHAKE",
                () -> tlsInHandshake(s, 1, true) != null, 1000);
        Connection c = tlsInHandshake(s, 1, true);

        s.plan(1).key = next;
        s.always("the connection in handshake on the old key is closed once the key changed", () -> c.isClosing()
                ? null : "still in handshake: " + c);
        s.act(() -> s.save(1));
        assertTrue(c.closeReason().startsWith(SecurityJudge.GOODBYE), c.closeReason());
        KeyPin nextPin = next.pin();
        s.always("no connection on the responder's old key", () -> {
            Connection up = s.current(1, lo);
            return up != null && !nextPin.equals(up.link().security().localPin()) ? up + " is on "
                    + up.link().security().localPin() : null;
        });
        s.runUntil("the pair connects on the new key", () -> s.paired(0, 1), 5000);
    }

    /** Node i's accepted connection in handshake on TLS: answered ({@code finished} false) or finished (true). */
    private static Connection tlsInHandshake(SimScript s, int i, boolean finished) {
        for (Connection c : s.inHandshake(i)) {
            if (!c.isClosing() && (finished ? c.link().security().isTls() : c.link().tlsPending())) {
                return c;
            }
        }
        return null;
    }

    // ---------------------------------------------------------------- e. clock offsets of a removed peer

    /**
     * The initiator removes a peer that beats every second while the initiator's own
     * frames are held (the peer stopped reading, so the GOODBYE waits out the graceful
     * close's grace time): the peer's ANNOUNCEs still arrive during that close, after
     * REMOVED cleared its clock entry, and must not bring it back.
     */
    @Test
    void announceReadDuringGracefulCloseDoesNotBringBackClockEntry() {
        SimScript s = new SimScript(2, keys);
        s.plan(0).heartbeatS = 1;
        s.plan(1).heartbeatS = 1;
        NodeAddress hi = s.addr(1);
        s.act(() -> {
            s.start(1);
            s.start(0);
        });
        s.runUntil("the initiator measured the peer's clock", () -> s.pool(0).clocks().measured(hi), 5000);
        SimSocket socket = liveSocket(s, 0, 1);
        SimLink loEnd = socket.endOf(s.node(0));
        Connection closing = loEnd.connection;
        loEnd.stall(true);

        s.plan(0).listed.remove(1);
        s.act(() -> s.save(0));
        assertTrue(closing.isClosing());
        long readBefore = closing.messagesIn();
        s.runUntil("REMOVED clears the clock entry", () -> !s.pool(0).clocks().measured(hi), 10);
        s.always("no clock entry for the removed peer", () -> s.pool(0).clocks().measured(hi) ? "measured again" : null);
        s.runUntil("the socket is closed", socket::fullyClosed, GracefulClose.GRACE_MS + 1000);
        s.runFor(100);
        assertTrue(closing.messagesIn() > readBefore, "an ANNOUNCE was read during the graceful close");
    }

    // ---------------------------------------------------------------- f. a failed reverse dial

    /**
     * The lower node is down, so every reverse dial of the higher one is refused at once:
     * they follow the backoff schedule (quick retries, then reconnect_min_ms), not the
     * network's pace.
     */
    @Test
    void failedReverseDialIsRetriedAtTheBackoffPace() {
        SimScript s = new SimScript(2, keys);
        s.plan(1).reverseDialAfterS = 5;
        NodeAddress lo = s.addr(0);
        s.act(() -> s.start(1));
        s.runUntil("the higher node reverse-dials the lower one", () -> !s.dialsOf(1, lo).isEmpty(), 6000);
        s.runFor(10_000);

        List<SimScript.Dial> d = s.dialsOf(1, lo);
        String refused = s.entry(1, lo, e -> e.lastError);
        assertEquals("connect failed: Connection refused", refused);
        for (int i = 1; i < d.size(); i++) {
            long paceMs = Backoff.window(i, refused, SimScript.RECONNECT_MIN_MS, SimScript.RECONNECT_MAX_MS).loMs();
            double gap = d.get(i).atMs() - d.get(i - 1).atMs();
            assertTrue(d.get(i).reverse() && gap >= paceMs, "reverse dial " + (i + 1) + " of " + d.size() + " came "
                    + gap + " ms after the one before; the backoff after " + i + " failures says at least " + paceMs);
        }
        // Five quick retries, then one every reconnect_min_ms to 1.2 times that: it keeps trying, at that pace.
        assertTrue(d.size() >= 10, "only " + d.size() + " reverse dials in 10 s");

        s.act(() -> s.start(0));
        s.runUntil("the pair connects once the lower node is up", () -> s.paired(0, 1), 2000);
    }

    // ---------------------------------------------------------------- g. accept_unknown_peers off

    /**
     * The responder lists nobody and admits the initiator as an unlisted peer; when its
     * operator turns {@code accept_unknown_peers} off, that connection closes at once
     * and the initiator's redials are refused as {@code unknown peer}.
     */
    @Test
    void unlistedPeersConnectionClosesWhenAcceptUnknownPeersGoesOff() {
        SimScript s = new SimScript(2, keys);
        NodeAddress lo = s.addr(0);
        s.plan(1).listed.clear();
        s.plan(1).acceptUnknown = true;
        s.act(() -> {
            s.start(1);
            s.start(0);
        });
        s.runUntil("the unlisted initiator is admitted", () -> s.paired(0, 1), 1000);
        assertFalse(s.pool(1).snapshot(lo).orElseThrow().configured());

        s.plan(1).acceptUnknown = false;
        s.always("no connection with the unlisted peer once accept_unknown_peers is off",
                () -> s.pool(1).isConnected(lo) ? "still connected" : null);
        s.act(() -> s.save(1));
        assertTrue(s.pool(1).snapshot(lo).isEmpty(), "its entry goes with the connection");
        s.runFor(5000);
        String error = s.entry(0, s.addr(1), e -> e.lastError);
        assertTrue(error.contains("unknown peer"), error);
    }

    // ---------------------------------------------------------------- h. own address change

    /**
     * The responder admitted the initiator as an unlisted peer; the initiator's port then
     * moves, and later the responder's operator lists the new address. The move re-forms
     * the connection (the responder knew it by the old address), so the pair converges
     * on the new address instead of resting on the old one for good.
     */
    @Test
    void ownAddressChangeReformsTheConnectionUnderTheNewAddress() {
        SimScript s = new SimScript(2, keys);
        s.plan(1).listed.clear();
        s.plan(1).acceptUnknown = true;
        s.act(() -> {
            s.start(1);
            s.start(0);
        });
        s.runUntil("the pair connects", () -> s.paired(0, 1), 1000);
        NodeAddress old = s.addr(0);

        s.plan(0).port = 7101;
        s.act(() -> s.save(0));
        NodeAddress moved = s.addr(0);
        s.runFor(3000);
        s.plan(1).listed.put(0, moved);
        s.act(() -> s.save(1));

        s.runUntil("the responder, which lists the moved node's new address, is connected to it",
                () -> s.pool(1).isConnected(moved) && s.pool(0).isConnected(s.addr(1)), 10_000);
        assertTrue(s.pool(1).snapshot(old).isEmpty(), "nothing left under the old address: " + s.describe());
    }

    // ---------------------------------------------------------------- i. removed and listed again

    /**
     * The initiator's operator removes the peer and lists it again 300 ms later, while the
     * old socket is still closing (the peer stopped reading, so the GOODBYE waits for the
     * graceful close's grace time). The new entry takes over that socket: no dial until
     * it is closed.
     */
    @Test
    void peerListedAgainIsDialedOnlyAfterItsOldSocketCloses() {
        SimScript s = new SimScript(2, keys);
        NodeAddress hi = s.addr(1);
        s.act(() -> {
            s.start(1);
            s.start(0);
        });
        s.runUntil("the pair connects", () -> s.paired(0, 1), 1000);
        s.noDialBesideOpenSocket();
        SimLink oldEnd = liveSocket(s, 0, 1).endOf(s.node(0));
        oldEnd.stall(true);

        s.plan(0).listed.remove(1);
        s.act(() -> s.save(0));
        assertNull(s.stateOf(0, hi), "removed");
        // The operator lists it again while the GOODBYE is still held back.
        s.runFor(300);
        assertTrue(oldEnd.isOpen(), "the old socket is still closing");
        int before = s.dialsOf(0, hi).size();
        double[] closedAt = {-1};
        s.always("(records when the old socket closes)", () -> {
            if (closedAt[0] < 0 && !oldEnd.isOpen()) {
                closedAt[0] = s.nowMs();
            }
            return null;
        });

        s.plan(0).listed.put(1, hi);
        s.act(() -> s.save(0));
        assertEquals(before, s.dialsOf(0, hi).size(), "dialed beside the closing socket");
        s.runUntil("the pair connects again", () -> s.paired(0, 1), GracefulClose.GRACE_MS + 2000);
        List<SimScript.Dial> d = s.dialsOf(0, hi);
        assertTrue(closedAt[0] > 0 && d.get(before).atMs() >= closedAt[0], "redialed at " + d.get(before).atMs()
                + " ms, the old socket closed at " + closedAt[0] + " ms");
    }

    // ---------------------------------------------------------------- helpers

    /** The one socket between nodes a and b with both ends open. */
    private static SimSocket liveSocket(SimScript s, int a, int b) {
        SimSocket found = null;
        for (SimSocket k : s.run.net.live()) {
            boolean pair = (k.dialer == s.node(a) && k.acceptor == s.node(b))
                    || (k.dialer == s.node(b) && k.acceptor == s.node(a));
            if (pair && k.dialerEnd.isOpen() && k.acceptorEnd.isOpen()) {
                assertNull(found, "two live sockets for the pair");
                found = k;
            }
        }
        assertNotNull(found, "no live socket for the pair");
        return found;
    }
}
