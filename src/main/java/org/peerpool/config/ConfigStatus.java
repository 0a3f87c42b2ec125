package org.peerpool.config;

import java.nio.file.Path;
import java.time.Instant;

/**
 * Where a node's configuration stands: the file, the snapshot in force and when it
 * was loaded, how many reloads were applied or rejected, and the last rejection's
 * message (empty when the last attempt loaded). Immutable; a new one per change.
 */
public record ConfigStatus(Path file, NodeConfig config, Instant loadedAt, long reloadCount, long rejectedCount,
                           String lastError) {
}
