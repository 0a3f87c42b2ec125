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

/**
 * Stalled TLS handshakes against one node, all on one thread: each client connects
 * from its loopback source, sends a ClientHello, reads and drops whatever the node
 * answers and sends nothing more, so the node holds a TLS handshake that never
 * finishes. When the node closes a client it connects again after a short pause, so
 * the flood keeps its size until {@link #stop()}; after that nobody reconnects, and each
 * client waits for the node to close it.
 */
public final class HelloFlood implements AutoCloseable {

    private static final class Client {
        final InetAddress source;
        SocketChannel channel;
        long reconnectAt;
        ByteBuffer pending;

        Client(InetAddress source, long at) {
            this.source = source;
            this.reconnectAt = at;
        }
    }

    private final InetSocketAddress target;
    private final byte[] hello = TlsWire.clientHello();
    private final long reconnectNanos;
    private final Random random = new Random(11);
    private final List<Client> clients = new ArrayList<>();
    private final Selector selector;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile boolean stopped;
    private volatile Throwable failure;
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicInteger peakOpen = new AtomicInteger();
    private final AtomicLong connects = new AtomicLong();
    private final AtomicLong hellosSent = new AtomicLong();
    private final AtomicLong answered = new AtomicLong();
    private final AtomicLong closedByNode = new AtomicLong();

    public HelloFlood(InetSocketAddress target, List<InetAddress> sources, int perSource, long reconnectMs)
            throws IOException {
        this.target = target;
        this.reconnectNanos = TimeUnit.MILLISECONDS.toNanos(reconnectMs);
        this.selector = Selector.open();
        long now = System.nanoTime();
        for (InetAddress s : sources) {
            for (int k = 0; k < perSource; k++) {
                clients.add(new Client(s, now));
            }
        }
        thread = new Thread(this::run, "hello-flood");
        thread.setDaemon(true);
    }

    public HelloFlood start() {
        thread.start();
        return this;
    }

    public int size() {
        return clients.size();
    }

    public void stop() {
        stopped = true;
        selector.wakeup();
    }

    public int open() {
        return open.get();
    }

    public int peakOpen() {
        return peakOpen.get();
    }

    public long connects() {
        return connects.get();
    }

    public long hellosSent() {
        return hellosSent.get();
    }

    /** Reads that brought bytes from the node (its ServerHello and the rest: it did the TLS work). */
    public long answered() {
        return answered.get();
    }

    public long closedByNode() {
        return closedByNode.get();
    }

    public Throwable failure() {
        return failure;
    }

    /** After {@link #stop()}: waits until the node has closed every client; true if it did in time. */
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

    private void run() {
        try {
            ByteBuffer sink = ByteBuffer.allocate(16384);
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
                    } else {
                        if (key.isWritable()) {
                            write(c, key);
                        }
                        if (key.isValid() && key.isReadable()) {
                            read(c, sink);
                        }
                    }
                }
                long now = System.nanoTime();
                if (!stopped) {
                    for (Client c : clients) {
                        if (c.channel == null && now - c.reconnectAt >= 0) {
                            connect(c);
                        }
                    }
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

    private void connect(Client c) throws IOException {
        SocketChannel ch = SocketChannel.open();
        c.channel = ch;
        c.pending = ByteBuffer.wrap(hello);
        peakOpen.accumulateAndGet(open.incrementAndGet(), Math::max);
        connects.incrementAndGet();
        try {
            ch.configureBlocking(false);
            ch.bind(new InetSocketAddress(c.source, 0));
            if (ch.connect(target)) {
                ch.register(selector, SelectionKey.OP_READ | SelectionKey.OP_WRITE, c);
            } else {
                ch.register(selector, SelectionKey.OP_CONNECT, c);
            }
        } catch (IOException e) {
            closeAndRetry(c);
        }
    }

    private void finishConnect(Client c, SelectionKey key) {
        try {
            c.channel.finishConnect();
            key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
        } catch (IOException e) {
            closeAndRetry(c);
        }
    }

    private void write(Client c, SelectionKey key) {
        try {
            c.channel.write(c.pending);
            if (!c.pending.hasRemaining()) {
                hellosSent.incrementAndGet();
                key.interestOps(SelectionKey.OP_READ); // and nothing more: the handshake stalls here
            }
        } catch (IOException e) {
            closedByNode(c);
        }
    }

    private void read(Client c, ByteBuffer sink) {
        try {
            sink.clear();
            int n = c.channel.read(sink);
            if (n < 0) {
                closedByNode(c);
            } else if (n > 0 && sink.get(0) != 0) {
                answered.incrementAndGet();
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
        c.reconnectAt = System.nanoTime() + (long) (reconnectNanos * (0.75 + 0.5 * random.nextDouble()));
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
