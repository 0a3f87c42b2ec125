package org.peerpool.testing;

import java.io.Closeable;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;

import java.nio.ByteBuffer;
import org.peerpool.wire.Message;
import org.peerpool.wire.MessageCodec;
import org.peerpool.wire.NodeAddress;
import org.peerpool.wire.ProtocolViolationException;

/**
 * A hand-driven peer on a plain blocking socket, bound to a chosen loopback source:
 * it sends exactly the bytes a test asks for and reads frames back, so tests can
 * play a well-behaved, broken or hostile node against a real agent.
 */
public final class RawPeer implements Closeable {

    /** How long a read or a connect may take: generous, as the machine may be loaded. */
    private static final int WAIT_MS = 15_000;

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;

    private RawPeer(Socket socket) throws IOException {
        this.socket = socket;
        socket.setSoTimeout(WAIT_MS);
        socket.setTcpNoDelay(true);
        this.in = new DataInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    /** Connects from {@code source} (any port) to {@code target}. */
    public static RawPeer connect(InetAddress source, NodeAddress target) throws IOException {
        Socket s = new Socket();
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress(source, 0));
        s.connect(target.toSocketAddress(), WAIT_MS);
        return new RawPeer(s);
    }

    /** Connects with a small receive buffer, for a peer that stops reading. */
    public static RawPeer connectSmallBuffer(InetAddress source, NodeAddress target, int receiveBuffer) throws IOException {
        Socket s = new Socket();
        s.setReceiveBufferSize(receiveBuffer);
        s.bind(new InetSocketAddress(source, 0));
        s.connect(target.toSocketAddress(), WAIT_MS);
        return new RawPeer(s);
    }

    /** Waits for the agent to dial {@code server}. */
    public static RawPeer accept(ServerSocket server) throws IOException {
        return new RawPeer(server.accept());
    }

    public Socket socket() {
        return socket;
    }

    public void send(Message m) throws IOException {
        ByteBuffer b = MessageCodec.encode(m);
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        sendRaw(bytes);
    }

    public void sendRaw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** Sends HANDSHAKE as {@code me}, without a limits group (as a peer built before it), and returns the ACK. */
    public Message.HandshakeAck handshakeAs(NodeAddress me) throws IOException {
        return handshakeAs(me, null);
    }

    /** Sends HANDSHAKE as {@code me} with {@code limits} (null: none) and returns the ACK. */
    public Message.HandshakeAck handshakeAs(NodeAddress me, Message.Limits limits) throws IOException {
        send(new Message.Handshake(1, me.toString(), limits));
        Message m = read();
        if (!(m instanceof Message.HandshakeAck ack)) {
            throw new IOException("expected HANDSHAKE_ACK, got " + m);
        }
        return ack;
    }

    /** The next frame, or null at end of stream. */
    public Message read() throws IOException {
        int length;
        try {
            length = in.readInt();
        } catch (EOFException e) {
            return null;
        } catch (SocketException e) {
            return null;
        }
        byte[] body = new byte[length];
        in.readFully(body);
        try {
            return MessageCodec.decode(ByteBuffer.wrap(body));
        } catch (ProtocolViolationException e) {
            throw new IOException("agent sent a bad frame: " + e.getMessage(), e);
        }
    }

    /** The next frame that is not an ANNOUNCE or a VIEW (the node's own periodic news), or null at end of stream. */
    public Message readSkippingAnnouncesAndViews() throws IOException {
        Message m;
        do {
            m = read();
        } while (m instanceof Message.Announce || m instanceof Message.View);
        return m;
    }

    /**
     * Reads (and drops) frames until the agent closes the socket; true if it did within
     * {@code timeout}, false if it was still open.
     */
    public boolean awaitClosed(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            socket.setSoTimeout((int) Math.max(1, Math.min(500, (deadline - System.nanoTime()) / 1_000_000)));
            try {
                int b = in.read();
                if (b < 0) {
                    return true;
                }
            } catch (SocketTimeoutException e) {
                // keep waiting until the deadline
            } catch (SocketException e) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
