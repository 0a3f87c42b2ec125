package org.peerpool.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;

import org.peerpool.wire.Message;
import org.peerpool.wire.NodeAddress;

/**
 * A separate JVM holding many idle peer connections to one node, so that the node's
 * heap is measured without them: connects {@code count} channels, each from its own
 * source address 127.77.{@code subnet + i/250}.{@code 1 + i%250}, completes the
 * handshake as that address (port {@code port}), prints {@code READY n} on stderr and
 * then only reads and drops what arrives (ANNOUNCEs) until its stdin closes.
 *
 * <p>{@code java IdleClients HUB_IP PORT COUNT SUBNET}
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
