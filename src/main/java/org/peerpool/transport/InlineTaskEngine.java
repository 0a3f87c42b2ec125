package org.peerpool.transport;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.function.BiFunction;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;

/**
 * An {@link SSLEngine} that runs its delegated tasks (key exchange, signatures, the
 * trust check) at once, on the thread that wraps or unwraps: the session's I/O thread.
 * MINA's {@code SslFilter} would hand them to one two-thread pool for the whole JVM,
 * where a flood of stalled handshakes queues ahead of a real peer's, a failed trust
 * check is only logged and the session stays open, and a handshake finished there
 * does not pass on data that came with its last flight. Run here, a task's failure
 * surfaces as the exception of the wrap or unwrap itself, which closes the session.
 */
final class InlineTaskEngine extends SSLEngine {

    private final SSLEngine engine;

    InlineTaskEngine(SSLEngine engine) {
        super(engine.getPeerHost(), engine.getPeerPort());
        this.engine = engine;
    }

    private SSLEngineResult runTasks(SSLEngineResult r) {
        if (r.getHandshakeStatus() != SSLEngineResult.HandshakeStatus.NEED_TASK) {
            return r;
        }
        Runnable task;
        while ((task = engine.getDelegatedTask()) != null) {
            task.run();
        }
        return new SSLEngineResult(r.getStatus(), engine.getHandshakeStatus(), r.bytesConsumed(), r.bytesProduced());
    }

    @Override
    public SSLEngineResult wrap(ByteBuffer[] srcs, int offset, int length, ByteBuffer dst) throws SSLException {
        return runTasks(engine.wrap(srcs, offset, length, dst));
    }

    @Override
    public SSLEngineResult unwrap(ByteBuffer src, ByteBuffer[] dsts, int offset, int length) throws SSLException {
        return runTasks(engine.unwrap(src, dsts, offset, length));
    }

    /** Never a task left: they ran inside wrap and unwrap. */
    @Override
    public Runnable getDelegatedTask() {
        return null;
    }

    @Override
    public SSLEngineResult.HandshakeStatus getHandshakeStatus() {
        SSLEngineResult.HandshakeStatus s = engine.getHandshakeStatus();
        if (s == SSLEngineResult.HandshakeStatus.NEED_TASK) {
            runTasks(new SSLEngineResult(SSLEngineResult.Status.OK, s, 0, 0));
            return engine.getHandshakeStatus();
        }
        return s;
    }

    @Override public void closeInbound() throws SSLException { engine.closeInbound(); }
    @Override public boolean isInboundDone() { return engine.isInboundDone(); }
    @Override public void closeOutbound() { engine.closeOutbound(); }
    @Override public boolean isOutboundDone() { return engine.isOutboundDone(); }
    @Override public String[] getSupportedCipherSuites() { return engine.getSupportedCipherSuites(); }
    @Override public String[] getEnabledCipherSuites() { return engine.getEnabledCipherSuites(); }
    @Override public void setEnabledCipherSuites(String[] suites) { engine.setEnabledCipherSuites(suites); }
    @Override public String[] getSupportedProtocols() { return engine.getSupportedProtocols(); }
    @Override public String[] getEnabledProtocols() { return engine.getEnabledProtocols(); }
    @Override public void setEnabledProtocols(String[] protocols) { engine.setEnabledProtocols(protocols); }
    @Override public SSLSession getSession() { return engine.getSession(); }
    @Override public SSLSession getHandshakeSession() { return engine.getHandshakeSession(); }
    @Override public void beginHandshake() throws SSLException { engine.beginHandshake(); }
    @Override public void setUseClientMode(boolean mode) { engine.setUseClientMode(mode); }
    @Override public boolean getUseClientMode() { return engine.getUseClientMode(); }
    @Override public void setNeedClientAuth(boolean need) { engine.setNeedClientAuth(need); }
    @Override public boolean getNeedClientAuth() { return engine.getNeedClientAuth(); }
    @Override public void setWantClientAuth(boolean want) { engine.setWantClientAuth(want); }
    @Override public boolean getWantClientAuth() { return engine.getWantClientAuth(); }
    @Override public void setEnableSessionCreation(boolean flag) { engine.setEnableSessionCreation(flag); }
    @Override public boolean getEnableSessionCreation() { return engine.getEnableSessionCreation(); }
    @Override public SSLParameters getSSLParameters() { return engine.getSSLParameters(); }
    @Override public void setSSLParameters(SSLParameters params) { engine.setSSLParameters(params); }
    @Override public String getApplicationProtocol() { return engine.getApplicationProtocol(); }
    @Override public String getHandshakeApplicationProtocol() { return engine.getHandshakeApplicationProtocol(); }

    @Override
    public void setHandshakeApplicationProtocolSelector(BiFunction<SSLEngine, List<String>, String> selector) {
        engine.setHandshakeApplicationProtocolSelector(selector);
    }

    @Override
    public BiFunction<SSLEngine, List<String>, String> getHandshakeApplicationProtocolSelector() {
        return engine.getHandshakeApplicationProtocolSelector();
    }
}
