package org.peerpool.bench;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.apache.mina.core.buffer.IoBuffer;
import org.apache.mina.core.service.IoHandlerAdapter;
import org.apache.mina.core.service.IoProcessor;
import org.apache.mina.core.service.SimpleIoProcessorPool;
import org.apache.mina.core.session.IoSession;
import org.apache.mina.transport.socket.nio.NioProcessor;
import org.apache.mina.transport.socket.nio.NioSession;
import org.apache.mina.transport.socket.nio.NioSocketAcceptor;

/**
 * Servers that read a fixed-size request and write a fixed response, for the
 * handshake figure: the bare-socket baseline, and a bare MINA acceptor that shows the
 * floor MINA itself sets under the agent.
 */
final class AnswerServers {

    private AnswerServers() {
    }

    /** One thread: accept, read the request, write the response, wait for the client's close, repeat. */
    static final class Bare implements AutoCloseable {
        private final ServerSocket server;
        private final Thread thread;

        Bare(InetSocketAddress at, int requestBytes, byte[] response) throws IOException {
            server = new ServerSocket();
            server.setReuseAddress(true);
            server.bind(at, 1024);
            thread = new Thread(() -> serve(requestBytes, response), "bench-bare-handshake");
            thread.setDaemon(true);
            thread.start();
        }

        InetSocketAddress address() {
            return (InetSocketAddress) server.getLocalSocketAddress();
        }

        private void serve(int requestBytes, byte[] response) {
            byte[] request = new byte[requestBytes];
            while (!server.isClosed()) {
                try (Socket s = server.accept()) {
                    s.setTcpNoDelay(true);
                    InputStream in = s.getInputStream();
                    new DataInputStream(in).readFully(request);
                    s.getOutputStream().write(response);
                    while (in.read() >= 0) {
                        // until the client closes
                    }
                } catch (IOException e) {
                    // closed, or a client gone early: next
                }
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
            try {
                thread.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * A MINA acceptor built like the agent's transport (a shared pool of NioProcessors,
     * TCP_NODELAY, backlog 1024) whose handler writes the response once the request's
     * bytes are in: no codec, no pool, no timers, no logging.
     */
    static final class Mina implements AutoCloseable {
        private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "bench-mina-floor");
            t.setDaemon(true);
            return t;
        });
        private final SimpleIoProcessorPool<NioSession> processors;
        private final NioSocketAcceptor acceptor;

        Mina(InetSocketAddress at, int requestBytes, byte[] response, int ioThreads) throws IOException {
            processors = new SimpleIoProcessorPool<>(NioProcessor.class, threads, ioThreads, null);
            @SuppressWarnings({"unchecked", "rawtypes"})
            IoProcessor<NioSession> shared = (IoProcessor) processors;
            acceptor = new NioSocketAcceptor(threads, shared);
            acceptor.setReuseAddress(true);
            acceptor.setBacklog(1024);
            acceptor.getSessionConfig().setTcpNoDelay(true);
            acceptor.setHandler(new IoHandlerAdapter() {
                @Override
                public void messageReceived(IoSession session, Object message) {
                    IoBuffer b = (IoBuffer) message;
                    int got = (Integer) session.getAttribute("got", 0) + b.remaining();
                    b.position(b.limit());
                    session.setAttribute("got", got);
                    if (got >= requestBytes && session.setAttributeIfAbsent("answered", true) == null) {
                        session.write(IoBuffer.wrap(response));
                    }
                }
            });
            acceptor.bind(at);
        }

        InetSocketAddress address() {
            return acceptor.getLocalAddress();
        }

        @Override
        public void close() {
            acceptor.dispose(false);
            processors.dispose();
            threads.shutdownNow();
        }
    }
}
