package org.peerpool.linkloss;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.peerpool.testing.NetNs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The mesh view's must-show: six node processes, one pair cut by a blackhole route;
 * within two heartbeat intervals of an end dropping the link, {@code bin/peerpool mesh}
 * on a node that is not part of the pair names it missing and exits 1; healed, no pair
 * is missing and it exits 0 ({@link MeshPartitionScenario}). An IT, run by failsafe
 * after package, as {@code bin/peerpool} needs target/peerpool.jar and target/lib. The
 * scenario runs in a network namespace of its own, deleted afterwards whatever
 * happened; without Linux, root and iproute2 the test is skipped with the reason.
 */
@Timeout(120)
class MeshPartitionIT {

    private static final Path HOME = Path.of("").toAbsolutePath();

    @TempDir
    Path dir;

    private NetNs ns;
    private Process scenario;

    @BeforeEach
    void namespace() {
        String why = NetNs.unavailableReason();
        Assumptions.assumeTrue(why == null, () -> "the mesh partition needs a network namespace: " + why);
        try {
            ns = NetNs.create();
        } catch (Exception e) {
            Assumptions.abort("the mesh partition needs a network namespace: " + e.getMessage());
        }
    }

    @AfterEach
    void cleanUp() throws Exception {
        if (scenario != null) {
            // The node processes are the scenario's children: killing it alone would orphan them.
            scenario.descendants().forEach(ProcessHandle::destroyForcibly);
            if (scenario.isAlive()) {
                scenario.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
        if (ns != null) {
            ns.close();
        }
    }

    @Test
    void aPairCutByABlackholeIsNamedMissingByAThirdNodeAndClearedWhenHealed() throws Exception {
        String out = runScenario();
        assertTrue(out.contains("\"pair\": \"127.0.0.3:7100 127.0.0.4:7100\""), out);
        assertTrue(out.contains("\"failures\": []"), out);
    }

    /** Runs the scenario in the namespace; returns its RESULT line after asserting it passed. */
    private String runScenario() throws Exception {
        assertTrue(Files.isRegularFile(HOME.resolve("target/peerpool.jar")), "no target/peerpool.jar in " + HOME);
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> cmd = new ArrayList<>(ns.command(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m", "-XX:TieredStopAtLevel=1", "-cp", classpath, MeshPartitionScenario.class.getName(),
                dir.toString(), HOME.toString()));
        Path log = dir.resolve("MeshPartitionScenario.txt");
        scenario = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        boolean ended = scenario.waitFor(90, TimeUnit.SECONDS);
        if (!ended) {
            scenario.descendants().forEach(ProcessHandle::destroyForcibly);
            scenario.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        String out = Files.readString(log, StandardCharsets.UTF_8);
        System.out.println("---- scenario MeshPartitionScenario in " + ns.name() + "\n" + out);
        assertTrue(ended, "scenario did not end within 90 s:\n" + tail(out));
        assertEquals(0, scenario.exitValue(), "scenario failed:\n" + tail(out));
        assertTrue(out.contains("SCENARIO PASSED"), tail(out));
        return out.lines().filter(l -> l.startsWith("RESULT ")).findFirst().orElse(out);
    }

    private static String tail(String out) {
        List<String> lines = out.lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
    }
}
