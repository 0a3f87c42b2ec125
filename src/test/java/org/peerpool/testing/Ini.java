package org.peerpool.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

import org.peerpool.wire.NodeAddress;

/** Writes peerpool.ini files for tests, the way operators' editors do. */
public final class Ini {

    private Ini() {
    }

    /** A config text for a node on {@code self} listing {@code peers}, plus extra [connection] lines. */
    public static String text(NodeAddress self, List<NodeAddress> peers, String... connection) {
        StringBuilder b = new StringBuilder();
        b.append("; written by a test\n[network]\n");
        b.append("local_ip = ").append(NodeAddress.ipText(self.ip())).append('\n');
        b.append("port = ").append(self.port()).append('\n');
        for (NodeAddress p : peers) {
            b.append("peer = ").append(p).append('\n');
        }
        b.append("[connection]\nreconnect_min_ms = 100\nreconnect_max_ms = 1000\nhandshake_timeout_ms = 2000\n");
        for (String line : connection) {
            b.append(line).append('\n');
        }
        return b.toString();
    }

    /** Saves in place: truncate, then write (what most tools do). */
    public static void writeInPlace(Path file, String text) throws IOException {
        Files.writeString(file, text, StandardCharsets.UTF_8);
    }

    /** Saves as vim and many editors do: write a temporary file, then rename it over. */
    public static void writeThenRename(Path file, String text) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp~");
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
