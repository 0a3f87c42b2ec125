package org.peerpool.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.peerpool.Agent;
import org.peerpool.config.ConfigWatcher;

/**
 * The measured node of the idle figure, in its own JVM: starts exactly as
 * {@code java -jar peerpool.jar CONFIG_FILE} does (log4j2.xml beside the config file,
 * a watched config, default I/O threads), and additionally answers {@code stats} on
 * stdin with its pool's counters on stderr, so the benchmark can read connection
 * attempts without a log line or a JMX poll disturbing the measurement. With
 * {@code --empty} it starts no agent at all: the bare-JVM baseline.
 */
public final class IdleNode {

    private IdleNode() {
    }

    public static void main(String[] args) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        if (args[0].equals("--empty")) {
            System.err.println("STARTED empty");
            while (in.readLine() != null) {
                System.err.println("STATS empty");
            }
            return;
        }
        Path file = Path.of(args[0]);
        Path logConfig = file.toAbsolutePath().getParent().resolve("log4j2.xml");
        if (System.getProperty("log4j2.configurationFile") == null && Files.isRegularFile(logConfig)) {
            System.setProperty("log4j2.configurationFile", logConfig.toString());
        }
        Agent agent = Agent.builder(ConfigWatcher.load(file)).build();
        agent.start();
        System.err.println("STARTED " + agent.address());
        String line;
        while ((line = in.readLine()) != null && !line.equals("quit")) {
            if (line.equals("stats")) {
                System.err.println("STATS attempts=" + agent.pool().connectAttempts() + " connections="
                        + agent.pool().connectionCount() + " handshakeFailures=" + agent.pool().handshakeFailures()
                        + " superseded=" + agent.pool().superseded());
            }
        }
        agent.stop();
        System.exit(0);
    }
}
