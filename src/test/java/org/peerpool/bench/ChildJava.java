package org.peerpool.bench;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A JVM started from the benchmark on the same classpath, for what must not share the
 * benchmark's heap or CPU account: the idle clients of the heap figure and the
 * measured node of the idle figure. Its stdout and stderr go to files; commands go to
 * its stdin, and closing stdin asks it to exit.
 */
final class ChildJava implements AutoCloseable {

    private final Process process;
    private final Path stdout;
    private final Path stderr;
    private final OutputStream stdin;

    private ChildJava(Process process, Path stdout, Path stderr) {
        this.process = process;
        this.stdout = stdout;
        this.stderr = stderr;
        this.stdin = process.getOutputStream();
    }

    static ChildJava start(Class<?> main, List<String> jvmArgs, List<String> args, Path dir, String name)
            throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmArgs);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(main.getName());
        cmd.addAll(args);
        Files.createDirectories(dir);
        Path out = dir.resolve(name + "-stdout.log");
        Path err = dir.resolve(name + "-stderr.log");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        return new ChildJava(p, out, err);
    }

    long pid() {
        return process.pid();
    }

    Path stdout() {
        return stdout;
    }

    String stderrText() throws IOException {
        return Files.readString(stderr, StandardCharsets.UTF_8);
    }

    void send(String line) throws IOException {
        stdin.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        stdin.flush();
    }

    /**
     * Waits until stderr holds at least {@code count} lines starting with {@code prefix};
     * returns the last such line. Fails if the process dies first.
     */
    String awaitLine(String prefix, int count, long timeoutMs) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (true) {
            List<String> hits = Files.readString(stderr, StandardCharsets.UTF_8).lines()
                    .filter(l -> l.startsWith(prefix)).toList();
            if (hits.size() >= count) {
                return hits.get(hits.size() - 1);
            }
            if (!process.isAlive()) {
                throw new IOException("child exited with " + process.exitValue() + " before '" + prefix + "': "
                        + stderrText());
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("no '" + prefix + "' from the child within " + timeoutMs + " ms: " + stderrText());
            }
            Heap.sleep(10);
        }
    }

    @Override
    public void close() throws IOException {
        try {
            stdin.close();
        } catch (IOException e) {
            // already gone
        }
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
