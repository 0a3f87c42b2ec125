package org.peerpool.pool;

/**
 * How hostile one run's network and operators are, drawn from its seed: the chance that
 * a dial throws, hangs or is refused, and how often links drop or stall, nodes crash or
 * restart, configs change and operators act. Zero once the faults stop.
 */
final class SimFaults {

    double dialThrows;
    double dialHangs;
    double dialRefused;
    /** Mean seconds between two faults of the links or nodes. */
    double faultEveryS;
    /** Mean seconds between two config edits. */
    double editEveryS;

    static SimFaults draw(SimWorld w) {
        SimFaults f = new SimFaults();
        f.dialThrows = w.chance(0.3) ? w.uniform(0, 0.05) : 0;
        f.dialHangs = w.chance(0.3) ? w.uniform(0, 0.1) : 0;
        f.dialRefused = w.chance(0.5) ? w.uniform(0, 0.2) : 0;
        f.faultEveryS = w.uniform(5, 60);
        f.editEveryS = w.uniform(5, 60);
        return f;
    }

    void stop() {
        dialThrows = 0;
        dialHangs = 0;
        dialRefused = 0;
    }
}
