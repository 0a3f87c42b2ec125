package org.peerpool;

/**
 * Receives {@link PeerEvent}s from one agent, on that agent's event thread, one at a
 * time and in order. An exception thrown here is logged and does not stop delivery.
 */
@FunctionalInterface
public interface PeerListener {
    void onPeerEvent(PeerEvent event);
}
