package org.peerpool.bench;

import java.io.DataInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import javax.net.ssl.SSLSocket;

import org.peerpool.tls.KeyPin;

import org.peerpool.wire.Message;
import org.peerpool.wire.NodeAddress;

/**
 * A separate JVM holding many idle peer connections to one node, so that the node's
 * heap is measured without them: connects {@code count} channels, each from its own
 * source address 127.77.{@code subnet + i/250}.{@code 1 + i%250}, completes the
 * handshake as that address (port {@code port}), prints {@code READY n} on stderr and
 * then only reads and drops what arrives (ANNOUNCEs) until its stdin closes. Given a
 * keystore, its password and the hub's pin, it connects over TLS 1.3 instead
 * ({@link TlsClient}) and leaves what arrives unread: a few bytes per heartbeat.
 *
 * <p>{@code java IdleClients HUB_IP PORT COUNT SUBNET [KEYSTORE PASSWORD HUB_PIN]}
 */
public final class IdleClients {

    private IdleClients() {
    }

    static InetAddress clientIp(int subnet, int i) {
        return BenchNet.ip(subnet + i / 250, 1 + i % 250);
    }

    public static void main(String[] args) throws Exception {
        InetAddress hub = InetAddress.getByName(args[0]);
        int port = Integer.parseInt(args[1]);
        int count = Integer.parseInt(args[2]);
        int subnet = Integer.parseInt(args[3]);
        InetSocketAddress target = new InetSocketAddress(hub, port);
        if (args.length == 7) {
            tls(new TlsClient(Path.of(args[4]), args[5], KeyPin.parse(args[6]), true), target, count, subnet);
            return;
        }
        Selector selector = Selector.open();
        List<SocketChannel> channels = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            InetAddress ip = clientIp(subnet, i);
            SocketChannel ch = SocketChannel.open();
            ch.bind(new InetSocketAddress(ip, 0));
            ch.connect(target);
            ch.write(ByteBuffer.wrap(Wire.frame(new Message.Handshake(1, NodeAddress.of(ip, port).toString()))));
            Message reply = Wire.read(ch);
            if (!(reply instanceof Message.HandshakeAck ack) || !ack.accepted()) {
                System.err.println("REJECTED " + ip + ": " + reply);
                System.exit(1);
            }
            ch.configureBlocking(false);
            ch.register(selector, SelectionKey.OP_READ);
            channels.add(ch);
        }
        System.err.println("READY " + channels.size());
        Thread reader = new Thread(() -> drain(selector), "drain");
        reader.setDaemon(true);
        reader.start();
        while (System.in.read() >= 0) {
            // until the benchmark closes our stdin
        }
        for (SocketChannel ch : channels) {
            ch.close();
        }
        System.exit(0);
    }

    private static void tls(TlsClient client, InetSocketAddress target, int count, int subnet) throws Exception {
        List<Socket> sockets = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            InetAddress ip = clientIp(subnet, i);
            SSLSocket s = client.socket();
            s.bind(new InetSocketAddress(ip, 0));
            s.connect(target, 10_000);
            s.setSoTimeout(10_000);
            s.startHandshake();
            s.getOutputStream().write(Wire.frame(new Message.Handshake(1, NodeAddress.of(ip, target.getPort()).toString())));
            Message reply = Wire.read(new DataInputStream(s.getInputStream()));
            if (!(reply instanceof Message.HandshakeAck ack) || !ack.accepted()) {
                System.err.println("REJECTED " + ip + ": " + reply);
                System.exit(1);
            }
            sockets.add(s);
        }
        System.err.println("READY " + sockets.size());
        while (System.in.read() >= 0) {
            // until the benchmark closes our stdin
        }
        for (Socket s : sockets) {
            s.close();
        }
        System.exit(0);
    }

    private static void drain(Selector selector) {
        ByteBuffer buf = ByteBuffer.allocate(4096);
        while (true) {
            try {
                selector.select();
                for (SelectionKey k : selector.selectedKeys()) {
                    buf.clear();
                    if (((SocketChannel) k.channel()).read(buf) < 0) {
                        k.cancel();
                    }
                }
                selector.selectedKeys().clear();
            } catch (IOException e) {
                return;
            }
        }
    }
}
