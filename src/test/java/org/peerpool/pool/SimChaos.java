package org.peerpool.pool;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.peerpool.tls.KeyPin;
import org.peerpool.tls.LocalKey;
import org.peerpool.wire.NodeAddress;

/**
 * The faults and edits of a run, drawn from its seed while the faults last: links cut
 * or stalled, nodes stopped, killed or vanished and started again, one-way firewalls,
 * operators disconnecting and connecting peers, and saved edits (TLS rollout steps,
 * peers removed and added, a node's address moved, keys rotated, timers changed).
 * {@link #heal} ends them all at once.
 */
final class SimChaos {

    private final SimRun run;
    private final SimWorld world;

    SimChaos(SimRun run) {
        this.run = run;
        this.world = run.world;
    }

    void schedule(long until) {
        next(until, run.faults.faultEveryS, this::fault);
        next(until, run.faults.editEveryS, this::edit);
    }

    private void next(long until, double meanS, Runnable what) {
        long at = world.now() + SimWorld.seconds(-Math.log(1 - world.uniform(0, 0.999)) * meanS);
        if (at < until) {
            world.at(at, () -> {
                if (!run.quiet()) {
                    what.run();
                    next(until, meanS, what);
                }
            }, null);
        }
    }

    private SimNode anyNode() {
        return run.nodes.get(world.nextInt(run.nodes.size()));
    }

    private SimNode otherNode(SimNode n) {
        SimNode o;
        do {
            o = anyNode();
        } while (o == n);
        return o;
    }

    private boolean up(SimNode n) {
        return n.running && !n.stopping;
    }

    // ---------------------------------------------------------------- faults

    private void fault() {
        List<SimSocket> live = new ArrayList<>(run.net.live());
        SimNode n = anyNode();
        switch (world.nextInt(8)) {
            case 0, 1 -> {
                if (!live.isEmpty()) {
                    SimSocket s = live.get(world.nextInt(live.size()));
                    // A reset: both ends close, each a moment later.
                    for (SimLink end : List.of(s.dialerEnd, s.acceptorEnd)) {
                        world.afterMs(world.uniform(0, 5), () -> {
                            if (end.isOpen()) {
                                end.finishClose();
                            }
                        });
                    }
                }
            }
            case 2 -> {
                if (!live.isEmpty()) {
                    SimSocket s = live.get(world.nextInt(live.size()));
                    SimLink end = world.chance(0.5) ? s.dialerEnd : s.acceptorEnd;
                    end.stall(true);
                    world.afterMs(world.uniform(1000, 90_000), () -> end.stall(false));
                }
            }
            case 3 -> {
                if (up(n)) {
                    n.stop();
                    world.afterMs(ConnectionPool.CLOSE_MAX_MS + 1000, () -> {
                        if (n.running && n.stopping) {
                            n.dispose();
                        }
                    });
                    restartLater(n, ConnectionPool.CLOSE_MAX_MS + world.uniform(1000, 60_000));
                }
            }
            case 4 -> {
                if (up(n)) {
                    n.kill();
                    restartLater(n, world.uniform(500, 30_000));
                }
            }
            case 5 -> {
                if (up(n)) {
                    n.vanish();
                    restartLater(n, world.uniform(5000, 120_000));
                }
            }
            case 6 -> {
                SimNode o = otherNode(n);
                run.net.block(n, o, true);
                world.afterMs(world.uniform(10_000, 180_000), () -> run.net.block(n, o, false));
            }
            default -> {
                if (up(n)) {
                    List<NodeAddress> peers = n.pool.configuredPeers();
                    if (!peers.isEmpty()) {
                        NodeAddress p = peers.get(world.nextInt(peers.size()));
                        if (world.chance(0.5)) {
                            n.pool.disconnect(p, "operator disconnect");
                        } else {
                            n.pool.connectNow(p);
                        }
                    }
                }
            }
        }
    }

    private void restartLater(SimNode n, double ms) {
        world.afterMs(ms, () -> {
            if (!n.running && !run.quiet()) {
                n.start(run.plan(n).build());
            }
        });
    }

    // ---------------------------------------------------------------- edits

    private void edit() {
        SimNode n = anyNode();
        SimPlan p = run.plan(n);
        switch (world.nextInt(6)) {
            case 0, 1 -> {
                SimPlan.Stage[] stages = SimPlan.Stage.values();
                int step = world.chance(0.6) ? 1 : -1;
                p.stage = stages[Math.max(0, Math.min(stages.length - 1, p.stage.ordinal() + step))];
                run.save(n);
            }
            case 2 -> {
                SimNode o = otherNode(n);
                int oi = run.nodes.indexOf(o);
                if (p.listed.remove(oi) == null) {
                    p.listed.put(oi, run.plan(o).self());
                }
                run.save(n);
            }
            case 3 -> moveAddress(n);
            case 4 -> rotateKey(n);
            default -> {
                p.reverseDialAfterS = world.chance(0.2) ? 0 : world.between(5, 60);
                p.heartbeatS = world.between(5, 30);
                p.acceptUnknown = world.chance(0.1);
                run.save(n);
            }
        }
    }

    /** The node's port moves; each peer's operator follows in its own time. */
    private void moveAddress(SimNode n) {
        SimPlan p = run.plan(n);
        p.port = p.port == 7100 ? 7101 : 7100;
        run.save(n);
        NodeAddress now = p.self();
        int ni = run.nodes.indexOf(n);
        for (SimNode o : run.nodes) {
            SimPlan q = run.plan(o);
            if (o != n && q.listed.containsKey(ni)) {
                world.afterMs(world.uniform(0, 30_000), () -> {
                    if (!run.quiet() && q.listed.containsKey(ni)) {
                        q.listed.put(ni, now);
                        run.save(o);
                    }
                });
            }
        }
    }

    /** A new key for the node: the others pin it, the node switches, the others drop the old pin. */
    private void rotateKey(SimNode n) {
        SimPlan p = run.plan(n);
        List<LocalKey> keys = run.keys;
        LocalKey next = keys.get(world.nextInt(keys.size()));
        if (next.equals(p.key)) {
            return;
        }
        KeyPin old = p.key.pin();
        int ni = run.nodes.indexOf(n);
        for (SimNode o : run.nodes) {
            if (o == n) {
                continue;
            }
            Set<KeyPin> pins = run.pinsOf(o).computeIfAbsent(ni, k -> new HashSet<>());
            world.afterMs(world.uniform(0, 20_000), () -> {
                if (!run.quiet()) {
                    pins.add(next.pin());
                    run.save(o);
                }
            });
            world.afterMs(world.uniform(40_000, 80_000), () -> {
                if (!run.quiet() && pins.size() > 1 && !old.equals(run.plan(n).key.pin())) {
                    pins.remove(old);
                    run.save(o);
                }
            });
        }
        world.afterMs(world.uniform(20_000, 40_000), () -> {
            if (!run.quiet()) {
                p.key = next;
                run.save(n);
            }
        });
    }

    // ---------------------------------------------------------------- the end of the faults

    /** Every fault ends now: firewalls open, stalled links read again, every node runs. */
    void heal() {
        run.net.unblockAll();
        for (SimSocket s : run.net.live()) {
            s.dialerEnd.stall(false);
            s.acceptorEnd.stall(false);
        }
        for (SimNode n : run.nodes) {
            if (n.running && n.stopping) {
                n.dispose();
            }
            if (!n.running) {
                n.start(run.plan(n).build());
            }
        }
    }
}
