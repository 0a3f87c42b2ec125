package org.peerpool.transport;

import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.util.function.Supplier;

import org.apache.mina.core.filterchain.IoFilterAdapter;
import org.apache.mina.core.session.IoSession;
import org.apache.mina.transport.socket.nio.NioSession;
import org.peerpool.config.NodeConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import jdk.net.ExtendedSocketOptions;

import static java.net.StandardSocketOptions.SO_KEEPALIVE;

/**
 * First filter of every session, accepted or dialed: turns on TCP keepalive with this
 * node's idle, interval and count (PROTOCOL.md section 5) on the socket itself, so a
 * silently dead peer is found by the kernel, not by an application ping.
 */
final class TcpKeepAliveFilter extends IoFilterAdapter {

    private static final Logger log = LoggerFactory.getLogger(TcpKeepAliveFilter.class);

    private final Supplier<NodeConfig> config;

    TcpKeepAliveFilter(Supplier<NodeConfig> config) {
        this.config = config;
    }

    @Override
    public void sessionCreated(NextFilter next, IoSession session) throws Exception {
        NodeConfig cfg = config.get();
        if (session instanceof NioSession nio && nio.getChannel() instanceof SocketChannel ch) {
            try {
                ch.setOption(SO_KEEPALIVE, true);
                ch.setOption(ExtendedSocketOptions.TCP_KEEPIDLE, cfg.keepaliveIdleS());
                ch.setOption(ExtendedSocketOptions.TCP_KEEPINTERVAL, cfg.keepaliveIntervalS());
                ch.setOption(ExtendedSocketOptions.TCP_KEEPCOUNT, cfg.keepaliveCount());
            } catch (IOException | UnsupportedOperationException e) {
                log.warn("Cannot set TCP keepalive on {}: {}", session.getRemoteAddress(), e.toString());
            }
        }
        next.sessionCreated(session);
    }
}
