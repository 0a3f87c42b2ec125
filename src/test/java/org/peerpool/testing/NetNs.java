package org.peerpool.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A private network namespace ({@code ip netns}) with its own loopback, for tests that
 * must cut links: whatever runs inside sees only its own 127.0.0.0/8, so no packet
 * leaves it and nothing outside is disturbed. Needs Linux, root and iproute2.
 */
public final class NetNs implements AutoCloseable {

    private static final AtomicInteger NEXT = new AtomicInteger();

    private final String name;
    private boolean deleted;

    private NetNs(String name) {
        this.name = name;
    }

    /** Why namespaces cannot be used here, or null when they can (as far as can be told without making one). */
    public static String unavailableReason() {
        if (!System.getProperty("os.name", "").toLowerCase().contains("linux")) {
            return "network namespaces need Linux, this is " + System.getProperty("os.name");
        }
        try {
            String uid = Files.readAllLines(Path.of("/proc/self/status")).stream()
                    .filter(l -> l.startsWith("Uid:")).findFirst().orElse("Uid: ?").split("\\s+")[1];
            if (!"0".equals(uid)) {
                return "network namespaces need root; this test runs as uid " + uid;
            }
        } catch (IOException e) {
            return "cannot read /proc/self/status: " + e.getMessage();
        }
        try {
            Result r = run(List.of("ip", "-V"));
            if (r.exit != 0) {
                return "'ip -V' failed: " + r.output;
            }
        } catch (IOException e) {
            return "iproute2 ('ip') is not installed: " + e.getMessage();
        }
        return null;
    }

    /** Creates a namespace with a unique name and brings its loopback up. */
    public static NetNs create() throws IOException {
        String name = "pp-" + ProcessHandle.current().pid() + "-" + NEXT.incrementAndGet();
        Result add = run(List.of("ip", "netns", "add", name));
        if (add.exit != 0) {
            throw new IOException("'ip netns add " + name + "' failed: " + add.output.strip());
        }
        NetNs ns = new NetNs(name);
        Result lo = run(ns.command("ip", "link", "set", "lo", "up"));
        if (lo.exit != 0) {
            ns.close();
            throw new IOException("cannot bring up lo in " + name + ": " + lo.output.strip());
        }
        return ns;
    }

    public String name() {
        return name;
    }

    /** {@code command} run inside this namespace. */
    public List<String> command(String... command) {
        List<String> out = new ArrayList<>(List.of("ip", "netns", "exec", name));
        out.addAll(List.of(command));
        return out;
    }

    /** Deletes the namespace; idempotent. */
    @Override
    public void close() throws IOException {
        if (!deleted) {
            deleted = true;
            Result r = run(List.of("ip", "netns", "del", name));
            if (r.exit != 0) {
                throw new IOException("'ip netns del " + name + "' failed: " + r.output.strip());
            }
        }
    }

    /** What a short command printed (stdout and stderr) and its exit code. */
    public record Result(int exit, String output) { }

    /** Runs a short command to its end (at most 30 s). */
    public static Result run(List<String> command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("timed out: " + String.join(" ", command));
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: " + String.join(" ", command), e);
        }
        return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }
}
