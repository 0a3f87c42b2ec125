package org.peerpool.sources;

/**
 * Why a peer source gave no list this time (a missing file, a bad line, a DNS timeout
 * or NXDOMAIN), in one line for the log and the Config bean. The source keeps its last
 * good list.
 */
public final class SourceException extends Exception {

    public SourceException(String message) {
        super(message);
    }

    public SourceException(String message, Throwable cause) {
        super(message, cause);
    }
}
