package org.peerpool.sources;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import org.peerpool.tls.KeyPin;
import org.peerpool.wire.NodeAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One source's standing: its last good list, whether it is failing, and an answer held
 * back. A failure keeps the list and logs one WARN until the source recovers (then an
 * INFO); an answer that would drop more than {@code max_drop_fraction} of the list
 * waits {@link PeerSource#holdMs()} for a later answer to agree, and logs one WARN.
 * Used on the sources thread only, so it needs no lock.
 */
final class SourceState {

    private static final Logger log = LoggerFactory.getLogger(SourceState.class);

    private final String node;
    private final String label;
    private double maxDropFraction;
    private Map<NodeAddress, Set<KeyPin>> current = Map.of();
    /** What is wrong now, for the Config bean; null when nothing is. */
    private String problem;
    private boolean failing;
    private Map<NodeAddress, Set<KeyPin>> held;
    private long heldAtNanos;

    SourceState(String node, String label, double maxDropFraction) {
        this.node = node;
        this.label = label;
        this.maxDropFraction = maxDropFraction;
    }

    void maxDropFraction(double f) {
        maxDropFraction = f;
    }

    Map<NodeAddress, Set<KeyPin>> current() {
        return current;
    }

    /** What is wrong now, labelled; null when nothing is. */
    String problem() {
        return problem == null ? null : label + ": " + problem;
    }

    /** Judges an answer; true when the list changed. */
    boolean answer(Map<NodeAddress, Set<KeyPin>> answer, long holdMs, long nowNanos) {
        if (failing) {
            failing = false;
            problem = null;
            log.info("{} - Peer source {} answers again", node, label);
        }
        if (answer.equals(current)) {
            dropHold();
            return false;
        }
        Set<NodeAddress> dropped = new HashSet<>(current.keySet());
        dropped.removeAll(answer.keySet());
        boolean tooMany = !current.isEmpty() && dropped.size() > maxDropFraction * current.size();
        if (tooMany) {
            boolean confirmed = answer.equals(held) && nowNanos - heldAtNanos >= holdMs * 1_000_000L;
            if (!confirmed) {
                if (!answer.equals(held)) {
                    held = Map.copyOf(answer);
                    heldAtNanos = nowNanos;
                    problem = "held back an answer dropping " + dropped.size() + " of " + current.size()
                            + " peers (more than max_drop_fraction " + maxDropFraction + "); it applies if still so in "
                            + holdMs + " ms";
                    log.warn("{} - Peer source {}: {}", node, label, problem);
                }
                return false;
            }
        }
        Set<NodeAddress> added = new HashSet<>(answer.keySet());
        added.removeAll(current.keySet());
        log.info("{} - Peer source {} now lists {} peers (+{} -{}{})", node, label, answer.size(), added.size(),
                dropped.size(), tooMany ? ", the held answer confirmed" : "");
        current = Map.copyOf(answer);
        dropHold();
        return true;
    }

    /** Keeps the list; logs once until the source answers again. */
    void fail(SourceException e) {
        dropHold();
        problem = e.getMessage() + "; keeping its last " + current.size() + " peers";
        if (!failing) {
            failing = true;
            log.warn("{} - Peer source {} failed: {}", node, label, problem);
        } else {
            log.debug("{} - Peer source {} still fails: {}", node, label, problem);
        }
    }

    private void dropHold() {
        if (held != null && !failing) {
            problem = null;
        }
        held = null;
    }
}
