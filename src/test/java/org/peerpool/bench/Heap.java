package org.peerpool.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;

import javax.management.ObjectName;

/** Heap figures after a full collection, and class histograms for where it goes. */
final class Heap {

    private static final MemoryMXBean MEMORY = ManagementFactory.getMemoryMXBean();

    private Heap() {
    }

    /**
     * Heap in use after a full GC: the smallest of three {@code System.gc()} rounds, so
     * a finalizer or reference-processing leftover of the first round does not count.
     */
    static long usedAfterGc() {
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            System.gc();
            sleep(150);
            best = Math.min(best, MEMORY.getHeapMemoryUsage().getUsed());
        }
        return best;
    }

    /** The live-object class histogram (what {@code jcmd PID GC.class_histogram} prints; forces a full GC). */
    static String classHistogram() {
        try {
            ObjectName dcmd = new ObjectName("com.sun.management:type=DiagnosticCommand");
            return (String) ManagementFactory.getPlatformMBeanServer().invoke(dcmd, "gcClassHistogram",
                    new Object[] {new String[0]}, new String[] {String[].class.getName()});
        } catch (Exception e) {
            return "class histogram unavailable: " + e;
        }
    }

    static double mib(long bytes) {
        return bytes / (1024.0 * 1024.0);
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
