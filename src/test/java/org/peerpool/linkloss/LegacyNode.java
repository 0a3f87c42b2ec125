package org.peerpool.linkloss;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.peerpool.testing.RawPeer;
import org.peerpool.wire.Message;
import org.peerpool.wire.NodeAddress;

/**
 * A node built before VIEW, as another implementation of the protocol would be (the
 * Python reference node): it accepts its peers' dials, answers HANDSHAKE with an
 * accepting ACK, sends ANNOUNCE every heartbeat and reads and drops everything,
 * VIEWs included, as a frame type it does not know. It never sends a VIEW, so the
 * pairs between two such nodes are unknown to everyone. Its address is higher than its
 * peers', so it only ever accepts.
 */
final class LegacyNode implements AutoCloseable {

    private final NodeAddress self;
    private final long heartbeatMs;
    private final ServerSocket server = new ServerSocket();
    private final List<RawPeer> links = new CopyOnWriteArrayList<>();
    private volatile boolean closed;

    LegacyNode(NodeAddress self, long heartbeatMs) throws IOException {
        this.self = self;
        this.heartbeatMs = heartbeatMs;
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress(self.ip(), self.port()));
        daemon("legacy-accept-" + self, this::accept).start();
    }

    private void accept() {
        while (!closed) {
            try {
                RawPeer p = RawPeer.accept(server);
                links.add(p);
                daemon("legacy-link-" + self, () -> serve(p)).start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(RawPeer p) {
        try (p) {
            if (!(p.read() instanceof Message.Handshake)) {
                return;
            }
            String yourIp = NodeAddress.ipText(p.socket().getInetAddress());
            p.send(new Message.HandshakeAck(true, yourIp, self.toString(), "",
                    new Message.Limits(Message.Limits.ASSUMED_MAX_FRAME_BYTES, heartbeatMs)));
            Thread beat = daemon("legacy-beat-" + self, () -> beat(p));
            beat.start();
            while (p.read() != null) {
                // Everything the peer says is dropped: ANNOUNCE, VIEW (unknown here), PAYLOAD.
            }
            beat.interrupt();
        } catch (IOException e) {
            // The peer went, or the link was cut: it dials again.
        } finally {
            links.remove(p);
        }
    }

    private void beat(RawPeer p) {
        long sequence = 0;
        try {
            while (!closed) {
                Thread.sleep(heartbeatMs);
                p.send(new Message.Announce(self.toString(), ++sequence, System.currentTimeMillis()));
            }
        } catch (IOException | InterruptedException e) {
            // Closed: the serving thread ends the link.
        }
    }

    private static Thread daemon(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
        for (RawPeer p : links) {
            p.close();
        }
    }
}
