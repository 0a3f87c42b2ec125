package org.peerpool.pool;

import java.net.ConnectException;
import java.net.SocketTimeoutException;

/**
 * The simulator's dial failures, without stack traces: a run refuses millions of dials,
 * and the pool reads only their messages.
 */
final class Stackless {

    private Stackless() {
    }

    static final class Refused extends ConnectException {
        Refused(String message) {
            super(message);
        }

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this;
        }
    }

    static final class Timeout extends SocketTimeoutException {
        Timeout(String message) {
            super(message);
        }

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this;
        }
    }
}
