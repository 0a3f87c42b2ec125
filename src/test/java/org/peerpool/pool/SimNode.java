package org.peerpool.pool;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.peerpool.config.NodeConfig;
import org.peerpool.tls.KeyPin;
import org.peerpool.tls.LocalKey;
import org.peerpool.wire.Message;
import org.peerpool.wire.NodeAddress;

/**
 * One simulated node: a real {@link ConnectionPool} on the world's clock, with this
 * class standing in for its transport. It dials as the MINA transport does (TLS toward
 * the peers the rules say, the responder's key checked against the pins in force when
 * it arrives), accepts, answers or refuses TLS by the first byte, and reports every
 * socket event to the pool; the faults the run draws (refused, hanging or throwing
 * dials) happen here. Lives across restarts: each start makes a new pool.
 */
final class SimNode implements Dialer {

    final String name;
    final SimWorld world;
    final SimRun run;
    ConnectionPool pool;
    NodeConfig config;
    /** {@code config.self()}, asked for at every step by the checks. */
    private NodeAddress address;
    /** The pool's locked-section count when {@link SimChecks} last checked it. */
    long checkedAtSection = -1;
    /** How many of the pool's locked sections were {@link SimChecks}' own. */
    long checkSections;
    SimTimer timer;
    SimTimer eventThread;
    boolean running;
    /** What this life's mesh listeners last heard: the missing pairs. */
    List<String> meshHeard = List.of();
    boolean stopping;
    /** Bumped by every start, so events of an earlier life find nothing to do. */
    int life;
    /** This node's sockets whose end here is still open. */
    final List<SimLink> openEnds = new ArrayList<>();
    /** Dials whose TCP connect has not been reported yet. */
    final List<Connection> connecting = new ArrayList<>();
    /** The end a frame is being read on, for the payload check. */
    SimLink reading;
    /** How many of this node's next dials throw, as a scripted fault ({@link SimScript}). */
    int throwNextDials;

    SimNode(String name, SimWorld world, SimRun run) {
        this.name = name;
        this.world = world;
        this.run = run;
    }

    TransportEvents events() {
        return pool.transportEvents();
    }

    NodeAddress address() {
        return address;
    }

    void start(NodeConfig cfg) {
        life++;
        config = cfg;
        address = cfg.self();
        timer = new SimTimer(world);
        eventThread = new SimTimer(world);
        pool = new ConnectionPool(cfg, timer, eventThread, world);
        checkedAtSection = -1;
        checkSections = 0;
        pool.addPayloadListener((from, topic, data) -> run.delivered(this, from, topic, data));
        meshHeard = List.of();
        pool.addMeshListener(missing -> meshHeard = missing);
        running = true;
        stopping = false;
        pool.open();
        pool.startDialing(this);
    }

    /** A saved edit of this node's file. */
    void apply(NodeConfig next) {
        config = next;
        address = next.self();
        pool.apply(next);
    }

    /** The agent's stop: GOODBYE to all, a bounded wait for them, then every socket closed. */
    List<Link> stop() {
        stopping = true;
        return pool.shutdown();
    }

    /** What the agent does after the wait: close what is left and stop its threads. */
    void dispose() {
        for (SimLink l : new ArrayList<>(openEnds)) {
            l.finishClose();
        }
        timer.shutdownNow();
        eventThread.shutdownNow();
        running = false;
        stopping = false;
        connecting.clear();
    }

    /** The process is killed: the kernel closes its sockets, the peers read end-of-stream. */
    void kill() {
        for (SimLink l : new ArrayList<>(openEnds)) {
            l.connection = null;
            l.finishClose();
        }
        timer.shutdownNow();
        eventThread.shutdownNow();
        running = false;
        connecting.clear();
    }

    /** The machine is gone without a word: its peers hear nothing until their own timeouts. */
    void vanish() {
        for (SimLink l : new ArrayList<>(openEnds)) {
            l.vanish();
        }
        openEnds.clear();
        timer.shutdownNow();
        eventThread.shutdownNow();
        running = false;
        connecting.clear();
    }

    void linkClosed(SimLink l) {
        openEnds.remove(l);
    }

    void deliver(SimLink end, Message m) {
        if (end.connection == null || !running) {
            return;
        }
        reading = end;
        try {
            events().onMessage(end.connection, m);
        } finally {
            reading = null;
        }
    }

    // ---------------------------------------------------------------- the transport's dial

    @Override
    public void dial(NodeAddress peer, Connection attempt) {
        run.dialing(this, peer, attempt);
        SimFaults faults = run.faults;
        if (throwNextDials > 0) {
            throwNextDials--;
            throw new IllegalStateException("scripted: the transport threw");
        }
        if (world.chance(faults.dialThrows)) {
            throw new IllegalStateException("simulated: the transport threw");
        }
        NodeConfig cfg = pool.config();
        boolean tls = SecurityRules.dialsTls(cfg.tls().mode(), cfg.pinsOf(peer));
        LocalKey key = cfg.tls().localKey();
        int myLife = life;
        connecting.add(attempt);
        SimNode target = run.net.listener(peer);
        if (run.net.blocked(this, target) || world.chance(faults.dialHangs)) {
            world.afterMs(cfg.handshakeTimeoutMs(),
                    () -> failDial(myLife, attempt, new Stackless.Timeout("connect timed out")));
            return;
        }
        if (target == null || world.chance(faults.dialRefused)) {
            world.after(world.latencyNanos() * 2,
                    () -> failDial(myLife, attempt, new Stackless.Refused("Connection refused")));
            return;
        }
        world.after(world.latencyNanos(), () -> connect(myLife, attempt, target, tls, key));
    }

    private void failDial(int myLife, Connection attempt, Exception cause) {
        if (life != myLife || !running || !connecting.remove(attempt)) {
            return;
        }
        events().onDialFailed(attempt, cause);
    }

    private void connect(int myLife, Connection attempt, SimNode target, boolean tls, LocalKey key) {
        if (life != myLife || !running) {
            return;
        }
        if (!target.running || !target.address().equals(attempt.peer())) {
            failDial(myLife, attempt, new Stackless.Refused("Connection refused"));
            return;
        }
        SimSocket s = run.net.open(this, target, attempt.peer());
        InetSocketAddress mine = new InetSocketAddress(config.localIp(), 40000 + (int) (s.id % 20000));
        InetSocketAddress theirs = target.address().toSocketAddress();
        s.dialerEnd = new SimLink(this, s, true, mine, theirs);
        s.acceptorEnd = new SimLink(target, s, false, theirs, mine);
        s.dialerEnd.other = s.acceptorEnd;
        s.acceptorEnd.other = s.dialerEnd;
        openEnds.add(s.dialerEnd);
        target.openEnds.add(s.acceptorEnd);
        // The acceptor learns of TLS from the first byte, in clientHello.
        s.dialerEnd.tlsPending = tls;
        target.accepted(s.acceptorEnd, tls);
        world.after(world.latencyNanos() / 2, () -> {
            if (life != myLife || !running || !connecting.remove(attempt)) {
                return;
            }
            if (!s.dialerEnd.isOpen()) {
                events().onDialFailed(attempt, new Stackless.Refused("Connection reset"));
                return;
            }
            events().onDialConnected(attempt, s.dialerEnd);
            s.dialerEnd.reported(attempt);
            if (tls) {
                world.after(world.latencyNanos(), () -> target.clientHello(s, key));
            }
        });
    }

    private void accepted(SimLink end, boolean tls) {
        Connection c = events().onAccepted(end);
        end.reported(c);
    }

    /** The dialer's first TLS record arrived here: answer it, or not, by the settings in force now. */
    private void clientHello(SimSocket s, LocalKey dialerKey) {
        SimLink mine = s.acceptorEnd;
        if (!running || !mine.isOpen() || mine.connection == null) {
            return;
        }
        if (!events().onTlsOffered(mine.connection)) {
            return;
        }
        mine.tlsPending = true;
        LocalKey key = pool.config().tls().localKey();
        if (key == null) {
            mine.closeNow();
            return;
        }
        SimNode dialer = s.dialer;
        world.after(world.latencyNanos() * 2, () -> dialer.serverKey(s, key, dialerKey));
    }

    /** The responder's certificate arrived at this dialer: check it against the pins in force now. */
    private void serverKey(SimSocket s, LocalKey serverKey, LocalKey ownKey) {
        SimLink mine = s.dialerEnd;
        if (!running || !mine.isOpen() || mine.connection == null) {
            return;
        }
        NodeAddress peer = s.acceptor.address();
        Set<KeyPin> pins = pool.config().pinsOf(mine.connection.peer());
        if (!pins.isEmpty() && !pins.contains(serverKey.pin())) {
            events().onKeyMismatch(mine.connection, SecurityRules.KEY_MISMATCH + ": " + peer + " presented "
                    + serverKey.pin());
            return;
        }
        mine.security = new LinkSecurity("TLSv1.3", "TLS_AES_128_GCM_SHA256", serverKey.pin(), ownKey.pin());
        SimNode acceptor = s.acceptor;
        // The client's Finished goes ahead of its HANDSHAKE on the same stream.
        mine.inOrder(() -> acceptor.clientFinished(s, serverKey, ownKey));
        mine.tlsPending = false;
        events().onSecured(mine.connection);
    }

    private void clientFinished(SimSocket s, LocalKey ownKey, LocalKey clientKey) {
        SimLink mine = s.acceptorEnd;
        if (!running || !mine.isOpen() || mine.connection == null) {
            return;
        }
        mine.security = new LinkSecurity("TLSv1.3", "TLS_AES_128_GCM_SHA256", clientKey.pin(), ownKey.pin());
        mine.tlsPending = false;
        events().onSecured(mine.connection);
    }

    @Override
    public String toString() {
        return name + (config == null ? "" : "(" + config.self() + ")");
    }
}
