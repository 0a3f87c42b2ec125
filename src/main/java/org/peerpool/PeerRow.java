package org.peerpool;

import javax.management.ConstructorParameters;

/**
 * One peer's main attributes, as one row of {@code bin/peerpool peers}: what
 * {@link ConnectionPoolMXBean#getPeerRows()} returns for every peer at once, so a client
 * reads a thousand peers in one JMX call. Each value is the Peer bean's attribute of the
 * same name (over JMX the items are named as the getters: {@code address}, {@code state}...).
 */
public final class PeerRow {

    private final String address;
    private final String state;
    private final String direction;
    private final String connectedSince;
    private final long messagesIn;
    private final long messagesOut;
    private final long bytesIn;
    private final long bytesOut;
    private final String security;
    private final String lastError;
    private final String[] sources;

    @ConstructorParameters({"address", "state", "direction", "connectedSince", "messagesIn", "messagesOut", "bytesIn",
        "bytesOut", "security", "lastError", "sources"})
    public PeerRow(String address, String state, String direction, String connectedSince, long messagesIn,
                   long messagesOut, long bytesIn, long bytesOut, String security, String lastError, String[] sources) {
        this.address = address;
        this.state = state;
        this.direction = direction;
        this.connectedSince = connectedSince;
        this.messagesIn = messagesIn;
        this.messagesOut = messagesOut;
        this.bytesIn = bytesIn;
        this.bytesOut = bytesOut;
        this.security = security;
        this.lastError = lastError;
        this.sources = sources.clone();
    }

    public String getAddress() {
        return address;
    }

    public String getState() {
        return state;
    }

    public String getDirection() {
        return direction;
    }

    public String getConnectedSince() {
        return connectedSince;
    }

    public long getMessagesIn() {
        return messagesIn;
    }

    public long getMessagesOut() {
        return messagesOut;
    }

    public long getBytesIn() {
        return bytesIn;
    }

    public long getBytesOut() {
        return bytesOut;
    }

    public String getSecurity() {
        return security;
    }

    public String getLastError() {
        return lastError;
    }

    public String[] getSources() {
        return sources.clone();
    }
}
