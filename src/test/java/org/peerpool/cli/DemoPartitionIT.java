package org.peerpool.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.peerpool.testing.Await;
import org.peerpool.testing.NetNs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code bin/peerpool-demo partition A B} and {@code heal} (DESIGN.md A4). The routing
 * rules are this machine's, shared with everything else on it: outside a private
 * network namespace only the refusals run, against a stand-in {@code ip} that can change
 * nothing; the real cut runs in a namespace of its own (Linux, root, iproute2), and is
 * skipped with the reason elsewhere.
 */
@Timeout(240)
class DemoPartitionIT {

    private static final Path HOME = Path.of("").toAbsolutePath();
    private static final String DEMO = HOME.resolve("bin/peerpool-demo").toString();

    @TempDir
    Path tmp;

    private NetNs ns;
    private Map<String, String> nsEnv;

    @AfterEach
    void cleanUp() throws Exception {
        if (ns != null) {
            run(nsEnv, ns.command(DEMO, "stop"));
            ns.close();
        }
    }

    record Result(int exit, String out, String err) {
        String all() {
            return "exit " + exit + "\n" + out + err;
        }
    }

    private Result run(Map<String, String> env, List<String> command) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command).directory(tmp.toFile());
        pb.environment().putAll(env);
        Path out = Files.createTempFile(tmp, "out", ".txt");
        Path err = Files.createTempFile(tmp, "err", ".txt");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process p = pb.start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "finished: " + command);
        return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    private Result demo(Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(DEMO));
        cmd.addAll(List.of(args));
        return run(env, cmd);
    }

    private static Path script(Path dir, String name, String body) throws Exception {
        Path f = Files.writeString(Files.createDirectories(dir).resolve(name), "#!/bin/sh\n" + body);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwxr-xr-x"));
        return f;
    }

    private static void refused(Result r, String message) {
        assertEquals(1, r.exit(), r.all());
        assertEquals("peerpool: " + message + "\n", r.err(), r.all());
    }

    /**
     * Every refusal, each one line with exit 1. A stand-in {@code id} says who runs it and
     * a stand-in {@code ip} logs what it was asked and changes nothing, so no rule of this
     * machine can be touched whatever the script does.
     */
    @Test
    void partitionRefusesWhatItCannotCutWithOneLineSayingWhy() throws Exception {
        Path ipLog = tmp.resolve("ip.log");
        Path tools = tmp.resolve("tools");
        script(tools, "id", "echo \"$FAKE_UID\"\n");
        script(tools, "ip", "echo \"$*\" >>\"$IP_LOG\"\n"
                + "[ \"$1 $2\" = 'rule list' ] && printf '0:\\tfrom all lookup local\\n' && exit 0\nexit 1\n");
        Path noIp = tmp.resolve("no-ip");
        script(noIp, "id", "echo \"$FAKE_UID\"\n");
        String sysPath = "/usr/bin:/bin";
        Map<String, String> root = new HashMap<>(Map.of("PATH", tools + ":" + sysPath, "FAKE_UID", "0",
                "IP_LOG", ipLog.toString(), "PEERPOOL_RUN", tmp.resolve("run").toString()));

        refused(demo(root, "partition"),
                "partition takes two nodes: bin/peerpool-demo partition A B (node numbers or 127.0.0.N)");
        refused(demo(root, "partition", "1", "2", "3"),
                "partition takes two nodes: bin/peerpool-demo partition A B (node numbers or 127.0.0.N)");
        refused(demo(root, "partition", "2", "127.0.0.2"), "partition needs two different nodes, not node 2 twice");
        refused(demo(root, "partition", "1", "x"), "'x' is not a demo node: give its number N or its address 127.0.0.N");
        refused(demo(root, "partition", "1", "07"), "'07' is not a demo node: give its number N or its address 127.0.0.N");
        refused(demo(root, "partition", "1", "10.0.0.2"),
                "partition cuts only demo nodes, whose addresses are 127.0.0.N, not '10.0.0.2'");
        refused(demo(root, "partition", "1", "2"), "the demo is not running ('bin/peerpool-demo start' starts it)");

        Map<String, String> user = new HashMap<>(root);
        user.put("FAKE_UID", "1000");
        refused(demo(user, "partition", "1", "2"),
                "partition needs root to add a blackhole route (ip rule); run as root or use bin/peerpool disconnect");
        Result nothing = demo(user, "heal");
        assertEquals(0, nothing.exit(), nothing.all());
        assertEquals("nothing to heal: no pair is cut\n", nothing.out());

        if (!Files.exists(Path.of("/usr/bin/ip")) && !Files.exists(Path.of("/bin/ip"))) {
            Map<String, String> noIproute = new HashMap<>(root);
            noIproute.put("PATH", noIp + ":" + sysPath);
            refused(demo(noIproute, "partition", "1", "2"), "partition needs the ip command (iproute2) to add a "
                    + "blackhole route; install iproute2");
        }
        Result usage = demo(root, "cut", "1", "2");
        assertEquals(2, usage.exit(), usage.all());
        assertTrue(usage.err().contains("partition A B | heal"), usage.err());

        List<String> asked = Files.exists(ipLog) ? Files.readAllLines(ipLog) : List.of();
        assertTrue(asked.stream().allMatch("rule list"::equals), "ip was only asked to list: " + asked);
    }

    /** Connection count per demo node number, from {@code bin/peerpool-demo status} in the namespace. */
    private Map<Integer, Integer> counts() {
        try {
            Result status = run(nsEnv, ns.command(DEMO, "status"));
            Map<Integer, Integer> out = new HashMap<>();
            Matcher m = Pattern.compile("(?m)^127\\.0\\.0\\.(\\d+):\\d+ +(\\d+) ").matcher(status.out());
            while (m.find()) {
                out.put(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
            }
            return out;
        } catch (Exception e) {
            return Map.of();
        }
    }

    private String rules() throws Exception {
        return run(Map.of(), ns.command("ip", "rule", "list")).out();
    }

    /**
     * Three demo nodes in a private namespace: partition 1 2 closes that pair's connection
     * (idle timeout) and only it, heal brings it back, and stop heals a cut left in place,
     * restoring the local rule at preference 0.
     */
    @Test
    void partitionCutsOnePairForRealAndHealJoinsItAgain() throws Exception {
        String why = NetNs.unavailableReason();
        Assumptions.assumeTrue(why == null, () -> "a real partition needs a network namespace: " + why);
        ns = NetNs.create();
        nsEnv = Map.of("PEERPOOL_RUN", tmp.resolve("ns demo").toString());
        Result started = run(nsEnv, ns.command(DEMO, "start", "3"));
        assertEquals(0, started.exit(), started.all());
        assertEquals(Map.of(1, 2, 2, 2, 3, 2), counts(), "the mesh is whole");

        refused(run(nsEnv, ns.command(DEMO, "partition", "1", "9")), "there is no demo node 9: the demo has nodes 1..3");
        assertFalse(rules().contains("blackhole"), rules());

        Result cut = run(nsEnv, ns.command(DEMO, "partition", "127.0.0.2", "1"));
        assertEquals(0, cut.exit(), cut.all());
        assertTrue(cut.out().startsWith("Cut 127.0.0.1 <-> 127.0.0.2:"), cut.out());
        assertTrue(cut.out().contains("nodes 1 and 2 with 1 instead of 2 connections each"), cut.out());
        String cutRules = rules();
        assertTrue(cutRules.contains("from 127.0.0.1 to 127.0.0.2 blackhole")
                && cutRules.contains("from 127.0.0.2 to 127.0.0.1 blackhole")
                && cutRules.contains("100:\tfrom all lookup local")
                && !Pattern.compile("(?m)^0:\tfrom all lookup local$").matcher(cutRules).find(), cutRules);
        refused(run(nsEnv, ns.command(DEMO, "partition", "1", "2")),
                "127.0.0.1 and 127.0.0.2 are already cut apart ('bin/peerpool-demo heal' joins them)");

        Await.until(Duration.ofSeconds(60), () -> counts().equals(Map.of(1, 1, 2, 1, 3, 2)),
                () -> "only the cut pair lost its connection: " + counts());
        Result cutStatus = run(nsEnv, ns.command(DEMO, "status"));
        assertTrue(cutStatus.out().contains("cut by partition: 127.0.0.1 <-> 127.0.0.2"), "status names the cut");
        // The mesh view names the missing pair, and status fails like bin/peerpool mesh.
        assertTrue(cutStatus.out().contains("Missing pairs (both ends are in this node's peer list):\n"
                + "  127.0.0.1:7100  127.0.0.2:7100\n"), cutStatus.out());
        assertEquals(1, cutStatus.exit(), cutStatus.all());

        Result healed = run(nsEnv, ns.command(DEMO, "heal"));
        assertEquals(0, healed.exit(), healed.all());
        assertEquals("healed 127.0.0.1 <-> 127.0.0.2\n", healed.out());
        assertEquals("0:\tfrom all lookup local\n32766:\tfrom all lookup main\n32767:\tfrom all lookup default\n",
                rules(), "the namespace's rules are as they were");
        Await.until(Duration.ofSeconds(60), () -> counts().equals(Map.of(1, 2, 2, 2, 3, 2)),
                () -> "the pair reconnected: " + counts());

        Result second = run(nsEnv, ns.command(DEMO, "partition", "2", "3"));
        assertEquals(0, second.exit(), second.all());
        Result stopped = run(nsEnv, ns.command(DEMO, "stop"));
        assertEquals(0, stopped.exit(), stopped.all());
        assertTrue(stopped.out().contains("healed 127.0.0.2 <-> 127.0.0.3"), stopped.out());
        assertEquals("0:\tfrom all lookup local\n32766:\tfrom all lookup main\n32767:\tfrom all lookup default\n",
                rules(), "stop healed the cut left in place");
    }
}
