package org.peerpool.linkloss;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

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

    private NamespaceScenario ns;

    @BeforeEach
    void namespace() {
        ns = NamespaceScenario.open("the mesh partition");
    }

    @AfterEach
    void cleanUp() throws Exception {
        if (ns != null) {
            ns.close();
        }
    }

    @Test
    void aPairCutByABlackholeIsNamedMissingByAThirdNodeAndClearedWhenHealed() throws Exception {
        assertTrue(Files.isRegularFile(HOME.resolve("target/peerpool.jar")), "no target/peerpool.jar in " + HOME);
        String out = ns.run(MeshPartitionScenario.class, dir.resolve("MeshPartitionScenario.txt"),
                List.of("-Xmx128m", "-XX:TieredStopAtLevel=1"), dir.toString(), HOME.toString());
        assertTrue(out.contains("\"pair\": \"127.0.0.3:7100 127.0.0.4:7100\""), out);
        assertTrue(out.contains("\"failures\": []"), out);
    }
}
