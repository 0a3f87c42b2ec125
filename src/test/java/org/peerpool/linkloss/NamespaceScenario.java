package org.peerpool.linkloss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;
import org.peerpool.testing.NetNs;

/**
 * Runs a scenario class (a {@code main} that prints {@code SCENARIO PASSED} and one
 * {@code RESULT} line, see {@link Report}) as its own JVM inside a network namespace of
 * its own, where blackhole rules cut links on 127.0.0.0/8 without touching anything
 * outside. {@link #open} skips the calling test, with the reason, where namespaces are
 * unavailable (not Linux, not root, no iproute2); {@link #close} kills the scenario and
 * every process it started and deletes the namespace, whatever happened.
 */
final class NamespaceScenario implements AutoCloseable {

    private static final long WAIT_S = 90;

    private final NetNs ns;
    private Process scenario;

    private NamespaceScenario(NetNs ns) {
        this.ns = ns;
    }

    /** A new namespace, or the calling test skipped: {@code what} says what needs it. */
    static NamespaceScenario open(String what) {
        String why = NetNs.unavailableReason();
        Assumptions.assumeTrue(why == null, () -> what + " needs a network namespace: " + why);
        try {
            return new NamespaceScenario(NetNs.create());
        } catch (Exception e) {
            Assumptions.abort(what + " needs a network namespace: " + e.getMessage());
            throw new AssertionError("unreachable");
        }
    }

    /**
     * Runs {@code main} with {@code args} in the namespace, its output in {@code log};
     * asserts it ended within 90 s, exited 0 and passed, and returns its RESULT line.
     */
    String run(Class<?> main, Path log, List<String> jvmOptions, String... args) throws Exception {
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> java = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        java.addAll(jvmOptions);
        java.addAll(List.of("-cp", classpath, main.getName()));
        java.addAll(List.of(args));
        List<String> cmd = ns.command(java.toArray(String[]::new));
        scenario = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        boolean ended = scenario.waitFor(WAIT_S, TimeUnit.SECONDS);
        if (!ended) {
            killAll();
        }
        String out = Files.readString(log, StandardCharsets.UTF_8);
        System.out.println("---- scenario " + log.getFileName() + " in " + ns.name() + "\n" + out);
        assertTrue(ended, "scenario did not end within " + WAIT_S + " s:\n" + tail(out));
        assertEquals(0, scenario.exitValue(), "scenario failed:\n" + tail(out));
        assertTrue(out.contains("SCENARIO PASSED"), tail(out));
        return out.lines().filter(l -> l.startsWith("RESULT ")).findFirst().orElse(out);
    }

    /** The scenario and the node processes it started: killing it alone would orphan them. */
    private void killAll() throws InterruptedException {
        if (scenario != null) {
            scenario.descendants().forEach(ProcessHandle::destroyForcibly);
            if (scenario.isAlive()) {
                scenario.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    @Override
    public void close() throws Exception {
        killAll();
        ns.close();
    }

    private static String tail(String out) {
        List<String> lines = out.lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
    }
}
