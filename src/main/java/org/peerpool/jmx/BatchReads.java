package org.peerpool.jmx;

import java.util.function.Supplier;

/**
 * A bean whose attributes can be read together from one reading of the state behind
 * them: {@link DescribedMBean} runs a whole {@code getAttributes} call inside
 * {@link #together}, so a client that asks for every attribute at once (a Prometheus
 * scrape, VisualVM's attribute tab) gets values from one instant, at the cost of one
 * reading instead of one per attribute.
 */
interface BatchReads {

    /** Runs {@code reads} on this thread with the bean's getters answering from one reading. */
    <T> T together(Supplier<T> reads);
}
