package org.peerpool.jmx;

import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

import org.peerpool.PeerMXBean;
import org.peerpool.PoolView;
import org.peerpool.PeerSnapshot;
import org.peerpool.sources.SourcesView;
import org.peerpool.wire.NodeAddress;

/**
 * {@link PeerMXBean} over one peer's entry: every getter reads a fresh snapshot from
 * the pool, except inside one {@code getAttributes} call, whose getters share one
 * snapshot (a scrape of 1,000 peers takes the pool's lock 1,000 times, not 28,000);
 * it answers empty, zero or -1 in the moment between the entry's removal and this
 * bean's unregistration.
 */
final class PeerBean implements PeerMXBean, BatchReads {

    /** The snapshot the getters share during {@link #together} on this thread, and whose it is. */
    private static final ThreadLocal<Shared> SHARED = new ThreadLocal<>();

    private static final class Shared {
        final PeerBean bean;
        Optional<PeerSnapshot> snapshot;

        Shared(PeerBean bean) {
            this.bean = bean;
        }
    }

    private final PoolView pool;
    private final NodeAddress address;
    private final PeerOperations operations;
    private final SourcesView sources;

    PeerBean(PoolView pool, NodeAddress address, PeerOperations operations, SourcesView sources) {
        this.pool = pool;
        this.address = address;
        this.operations = operations;
        this.sources = sources;
    }

    @Override
    public <T> T together(Supplier<T> reads) {
        Shared outer = SHARED.get();
        SHARED.set(new Shared(this));
        try {
            return reads.get();
        } finally {
            if (outer == null) {
                SHARED.remove();
            } else {
                SHARED.set(outer);
            }
        }
    }

    private <T> T read(Function<PeerSnapshot, T> field, T whenGone) {
        return snapshot().map(field).orElse(whenGone);
    }

    private Optional<PeerSnapshot> snapshot() {
        Shared shared = SHARED.get();
        if (shared == null || shared.bean != this) {
            return pool.snapshot(address);
        }
        if (shared.snapshot == null) {
            shared.snapshot = pool.snapshot(address);
        }
        return shared.snapshot;
    }

    @Override
    public String getAddress() {
        return address.toString();
    }

    @Override
    public String getState() {
        return read(s -> s.state().name(), "");
    }

    @Override
    public String getDirection() {
        return read(s -> OpenValues.text(s.direction()), "");
    }

    @Override
    public String getRole() {
        return pool.initiates(address) ? "INITIATOR" : "RESPONDER";
    }

    @Override
    public boolean isReverse() {
        return read(PeerSnapshot::reverse, false);
    }

    @Override
    public boolean isConfigured() {
        return read(PeerSnapshot::configured, false);
    }

    @Override
    public String[] getSources() {
        return sources.sourcesOf(address).toArray(String[]::new);
    }

    @Override
    public String getConnectedSince() {
        return read(s -> OpenValues.iso(s.connectedSince()), "");
    }

    @Override
    public long getLastMessageAgeMillis() {
        return read(PeerSnapshot::lastMessageAgeMillis, -1L);
    }

    @Override
    public long getMessagesIn() {
        return read(PeerSnapshot::messagesIn, 0L);
    }

    @Override
    public long getMessagesOut() {
        return read(PeerSnapshot::messagesOut, 0L);
    }

    @Override
    public long getBytesIn() {
        return read(PeerSnapshot::bytesIn, 0L);
    }

    @Override
    public long getBytesOut() {
        return read(PeerSnapshot::bytesOut, 0L);
    }

    @Override
    public long getQueuedBytes() {
        return read(PeerSnapshot::queuedBytes, 0L);
    }

    @Override
    public long getConnectionId() {
        return read(PeerSnapshot::connectionId, 0L);
    }

    @Override
    public String getLocalSocket() {
        return read(PeerSnapshot::localSocket, "");
    }

    @Override
    public String getRemoteSocket() {
        return read(PeerSnapshot::remoteSocket, "");
    }

    @Override
    public String getObservedIp() {
        return read(PeerSnapshot::observedIp, "");
    }

    @Override
    public long getLastAnnounceSequence() {
        return read(PeerSnapshot::lastAnnounceSequence, -1L);
    }

    @Override
    public int getFailedAttempts() {
        return read(PeerSnapshot::failedAttempts, 0);
    }

    @Override
    public String getLastError() {
        return read(s -> OpenValues.text(s.lastError()), "");
    }

    @Override
    public String getSecurity() {
        return read(PeerSnapshot::security, "");
    }

    @Override
    public String getPeerKeyPin() {
        return read(PeerSnapshot::peerKeyPin, "");
    }

    @Override
    public long getDisconnects() {
        return pool.history().of(address).disconnects();
    }

    @Override
    public String[] getRecentDisconnects() {
        return pool.history().of(address).recentDisconnects().toArray(String[]::new);
    }

    @Override
    public long getLastConnectedMillis() {
        return pool.history().of(address).lastConnectedMillis();
    }

    @Override
    public long getClockOffsetMillis() {
        return pool.clocks().offsetMillis(address);
    }

    @Override
    public long getHandshakeRttMicros() {
        return read(PeerSnapshot::handshakeRttMicros, -1L);
    }

    @Override
    public String disconnect() {
        return operations.disconnect(address);
    }

    @Override
    public String connectNow() {
        return operations.connectNow(address);
    }
}
