package org.peerpool.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.peerpool.config.NodeConfig;
import org.peerpool.wire.NodeAddress;

/**
 * Loopback addresses and ports for tests: node i lives on 127.0.0.i; each test takes
 * a fresh port that is free on every address it uses, so tests never clash.
 */
public final class TestNet {

    private static final AtomicInteger NEXT = new AtomicInteger(20000 + (int) (ProcessHandle.current().pid() % 50) * 200);

    private TestNet() {
    }

    public static InetAddress ip(int i) {
        try {
            return InetAddress.getByAddress(new byte[] {127, 0, (byte) (i >> 8), (byte) i});
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    public static NodeAddress address(int i, int port) {
        return NodeAddress.of(ip(i), port);
    }

    /** A port free on 127.0.0.1 .. 127.0.0.{@code hosts} right now. */
    public static int freePort(int hosts) {
        while (true) {
            int port = NEXT.getAndIncrement();
            if (port > 60000) {
                NEXT.set(20000);
                continue;
            }
            if (freeOnAll(port, hosts)) {
                return port;
            }
        }
    }

    private static boolean freeOnAll(int port, int hosts) {
        for (int i = 1; i <= hosts; i++) {
            try (ServerSocket s = new ServerSocket()) {
                s.setReuseAddress(true);
                s.bind(new InetSocketAddress(ip(i), port));
            } catch (IOException e) {
                return false;
            }
        }
        return true;
    }

    /**
     * Configs for a full mesh of nodes 127.0.0.{@code first} .. {@code first+n-1}, all on
     * {@code port}, with short timings so tests run fast.
     */
    public static List<NodeConfig.Builder> mesh(int first, int n, int port) {
        List<NodeAddress> all = new ArrayList<>();
        for (int i = first; i < first + n; i++) {
            all.add(address(i, port));
        }
        List<NodeConfig.Builder> out = new ArrayList<>();
        for (int i = first; i < first + n; i++) {
            out.add(fast(NodeConfig.builder(ip(i)).port(port).peers(all)));
        }
        return out;
    }

    /** Short reconnect and handshake timings for tests. */
    public static NodeConfig.Builder fast(NodeConfig.Builder b) {
        return b.reconnectMinMs(100).reconnectMaxMs(1000).handshakeTimeoutMs(2000);
    }
}
