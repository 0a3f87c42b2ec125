package org.peerpool.transport;

import java.util.Set;

import org.peerpool.tls.KeyPin;

/** The pins of the peer at a dialed address, as the configuration in force lists them. */
@FunctionalInterface
public interface PinSource {

    /** @param host the dialed IP as text, {@code port} its port */
    Set<KeyPin> pinsOf(String host, int port);
}
