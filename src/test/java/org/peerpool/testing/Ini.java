package org.peerpool.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;

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

    /**
     * Saves in place: truncate, then write (what most tools do). A text holding
     * {@code keystore_password} goes into a file readable by its owner only, made so before
     * the text is written, as an operator must keep it (DESIGN.md A2).
     */
    public static void writeInPlace(Path file, String text) throws IOException {
        if (holdsPassword(text)) {
            ownerOnly(file);
        }
        Files.writeString(file, text, StandardCharsets.UTF_8);
    }

    /** Saves as vim and many editors do: write a temporary file, then rename it over (owner-only as above). */
    public static void writeThenRename(Path file, String text) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp~");
        if (holdsPassword(text)) {
            ownerOnly(tmp);
        }
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Writes {@code text} to {@code file}, which is readable by its owner only (mode 600) from its first byte. */
    public static Path writeOwnerOnly(Path file, String text) throws IOException {
        ownerOnly(file);
        return Files.writeString(file, text, StandardCharsets.UTF_8);
    }

    /**
     * Makes {@code file} readable and writable by its owner only (mode 600), creating it
     * empty if missing; does nothing on a file system without POSIX modes.
     */
    public static void ownerOnly(Path file) throws IOException {
        if (Files.getFileAttributeView(file.toAbsolutePath().getParent(), PosixFileAttributeView.class) == null) {
            return;
        }
        Set<PosixFilePermission> mode = PosixFilePermissions.fromString("rw-------");
        if (!Files.exists(file)) {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(mode));
        }
        Files.setPosixFilePermissions(file, mode);
    }

    private static boolean holdsPassword(String text) {
        return text.contains("keystore_password");
    }
}
