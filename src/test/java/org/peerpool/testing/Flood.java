package org.peerpool.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.peerpool.wire.NodeAddress;

/**
 * Many concurrent connections to one node from many loopback sources, all on one
 * thread (non-blocking sockets and one selector, not a thread per socket). Half the
 * clients send nothing; the other half trickle a HANDSHAKE frame one byte a second.
 * Whenever the node closes a client, it connects again after a short pause, so the
 * flood keeps its size until {@link #stop()}; after that nobody reconnects or sends,
 * and each client just waits for the node to close it.
 */
public final class Flood implements AutoCloseable {

    private static final long TRICKLE_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final class Client {
        final InetAddress source;
        final boolean trickles;
        SocketChannel channel;
        long reconnectAt;
        int trickled;
        long nextByteAt;

        Client(InetAddress source, boolean trickles, long firstConnectAt) {
            this.source = source;
            this.trickles = trickles;
            this.reconnectAt = firstConnectAt;
        }
    }

    private final InetSocketAddress target;
    private final byte[] trickle;
    private final long reconnectNanos;
    private final Random random;
    private final List<Client> clients = new ArrayList<>();
    private final Selector selector;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile boolean stopped;
    private volatile Throwable failure;

    private final AtomicLong connects = new AtomicLong();
    private final AtomicLong connectFailures = new AtomicLong();
    private final AtomicLong closedByNode = new AtomicLong();
    private final AtomicLong bytesTrickled = new AtomicLong();
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicInteger peakOpen = new AtomicInteger();

    /**
     * @param perSource   clients from each source IP
     * @param trickle     the bytes a trickling client sends, one a second
     * @param reconnectMs pause before a closed client connects again (jittered by +-25 %)
     */
    public Flood(NodeAddress target, List<InetAddress> sources, int perSource, byte[] trickle, long reconnectMs, long seed)
            throws IOException {
        this.target = target.toSocketAddress();
        this.trickle = trickle.clone();
        this.reconnectNanos = TimeUnit.MILLISECONDS.toNanos(reconnectMs);
        this.random = new Random(seed);
        this.selector = Selector.open();
        long now = System.nanoTime();
        int i = 0;
        for (InetAddress source : sources) {
            for (int k = 0; k < perSource; k++, i++) {
                // All connect in the first burst, so every client has a socket open or connecting at once.
                clients.add(new Client(source, i % 2 == 1, now));
            }
        }
        thread = new Thread(this::run, "flood");
        thread.setDaemon(true);
    }

    public Flood start() {
        thread.start();
        return this;
    }

    public int size() {
        return clients.size();
    }

    /** Stops reconnecting and trickling; the clients still open wait for the node to close them. */
    public void stop() {
        stopped = true;
        selector.wakeup();
    }

    /** Clients with a socket open or connecting right now. */
    public int open() {
        return open.get();
    }

    public int peakOpen() {
        return peakOpen.get();
    }

    public long connects() {
        return connects.get();
    }

    public long connectFailures() {
        return connectFailures.get();
    }

    public long closedByNode() {
        return closedByNode.get();
    }

    public long bytesTrickled() {
        return bytesTrickled.get();
    }

    /** What went wrong on the flood's own thread, if anything. */
    public Throwable failure() {
        return failure;
    }

    private void run() {
        try {
            ByteBuffer sink = ByteBuffer.allocate(4096);
            long nextScan = 0;
            while (running) {
                selector.select(5);
                Iterator<SelectionKey> it = selector.selectedKeys().iterator();
                while (it.hasNext()) {
                    SelectionKey key = it.next();
                    it.remove();
                    Client c = (Client) key.attachment();
                    if (!key.isValid()) {
                        continue;
                    }
                    if (key.isConnectable()) {
                        finishConnect(c, key);
                    } else if (key.isReadable()) {
                        read(c, sink);
                    }
                }
                long now = System.nanoTime();
                if (now - nextScan >= 0) {
                    nextScan = now + TimeUnit.MILLISECONDS.toNanos(5);
                    scan(now);
                }
            }
        } catch (Throwable t) {
            failure = t;
        } finally {
            for (Client c : clients) {
                closeQuietly(c);
            }
            try {
                selector.close();
            } catch (IOException e) {
                // nothing left to do
            }
        }
    }

    private void scan(long now) throws IOException {
        for (Client c : clients) {
            if (c.channel == null) {
                if (!stopped && now - c.reconnectAt >= 0) {
                    connect(c);
                }
            } else if (c.trickles && !stopped && c.channel.isConnected() && c.trickled < trickle.length
                    && now - c.nextByteAt >= 0) {
                try {
                    c.channel.write(ByteBuffer.wrap(trickle, c.trickled, 1));
                    c.trickled++;
                    bytesTrickled.incrementAndGet();
                    c.nextByteAt = now + TRICKLE_NANOS;
                } catch (IOException e) {
                    closedByNode(c);
                }
            }
        }
    }

    private void connect(Client c) throws IOException {
        SocketChannel ch = SocketChannel.open();
        c.channel = ch;
        c.trickled = 0;
        int n = open.incrementAndGet();
        peakOpen.accumulateAndGet(n, Math::max);
        connects.incrementAndGet();
        try {
            ch.configureBlocking(false);
            ch.bind(new InetSocketAddress(c.source, 0));
            if (ch.connect(target)) {
                ch.register(selector, SelectionKey.OP_READ, c);
                c.nextByteAt = System.nanoTime();
            } else {
                ch.register(selector, SelectionKey.OP_CONNECT, c);
            }
        } catch (IOException e) {
            connectFailures.incrementAndGet();
            closeAndRetry(c);
        }
    }

    private void finishConnect(Client c, SelectionKey key) {
        try {
            c.channel.finishConnect();
            key.interestOps(SelectionKey.OP_READ);
            c.nextByteAt = System.nanoTime();
        } catch (IOException e) {
            connectFailures.incrementAndGet();
            closeAndRetry(c);
        }
    }

    private void read(Client c, ByteBuffer sink) {
        try {
            sink.clear();
            if (c.channel.read(sink) < 0) {
                closedByNode(c);
            }
        } catch (IOException e) {
            closedByNode(c);
        }
    }

    private void closedByNode(Client c) {
        closedByNode.incrementAndGet();
        closeAndRetry(c);
    }

    private void closeAndRetry(Client c) {
        closeQuietly(c);
        long jitter = (long) (reconnectNanos * (0.75 + 0.5 * random.nextDouble()));
        c.reconnectAt = System.nanoTime() + jitter;
    }

    private void closeQuietly(Client c) {
        if (c.channel != null) {
            try {
                c.channel.close();
            } catch (IOException e) {
                // already gone
            }
            c.channel = null;
            open.decrementAndGet();
        }
    }

    /** Waits until the node has closed every client, after {@link #stop()}; true if it did in time. */
    public boolean awaitAllClosed(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (open.get() > 0) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            Thread.sleep(5);
        }
        return true;
    }

    /** Stops the flood's thread, which closes every socket it still has. */
    @Override
    public void close() {
        running = false;
        selector.wakeup();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
