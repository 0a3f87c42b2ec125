package org.peerpool.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

import org.peerpool.Agent;
import org.peerpool.config.ConfigException;
import org.peerpool.config.ConfigWatcher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import sun.misc.Signal;

/**
 * {@code java -jar peerpool.jar CONFIG_FILE}: runs one node in the foreground until
 * SIGTERM or SIGINT, then says GOODBYE to its peers and exits 0. A start-up failure
 * prints one line and exits with a code that says which kind (sysexits.h).
 */
public final class Main {

    /** Wrong arguments. */
    public static final int EXIT_USAGE = 64;
    /** The config file is missing or invalid. */
    public static final int EXIT_CONFIG = 78;
    /** The listen address cannot be bound (port in use, address not on this host). */
    public static final int EXIT_UNAVAILABLE = 69;

    private Main() {
    }

    public static void main(String[] args) {
        if (args.length != 1) {
            System.err.println("usage: java -jar peerpool.jar CONFIG_FILE");
            System.exit(EXIT_USAGE);
        }
        Path file = Path.of(args[0]);
        useLogConfigBeside(file);
        Logger log = LoggerFactory.getLogger(Main.class);
        Agent agent;
        CountDownLatch stopRequested = new CountDownLatch(1);
        try {
            agent = Agent.builder(ConfigWatcher.load(file)).build();
            // Before start: peers may connect before start() returns, and a SIGTERM from then on means GOODBYE.
            Signal.handle(new Signal("TERM"), s -> stopRequested.countDown());
            Signal.handle(new Signal("INT"), s -> stopRequested.countDown());
            agent.start();
        } catch (ConfigException e) {
            System.err.println("peerpool: " + e.getMessage());
            System.exit(EXIT_CONFIG);
            return;
        } catch (IOException e) {
            System.err.println("peerpool: " + e.getMessage());
            System.exit(EXIT_UNAVAILABLE);
            return;
        }
        Path pidFile = pidFile();
        if (pidFile != null) {
            writePidFile(pidFile, log);
        }
        // Any other way out (System.exit elsewhere, -Xrs) still says GOODBYE.
        Runtime.getRuntime().addShutdownHook(new Thread(agent::stop, "peerpool-shutdown"));
        try {
            stopRequested.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        log.info("{} - Stop requested", agent.address());
        agent.stop();
        if (pidFile != null) {
            try {
                Files.deleteIfExists(pidFile);
            } catch (IOException e) {
                log.warn("Cannot remove pid file {}: {}", pidFile, e.toString());
            }
        }
        System.exit(0);
    }

    /** {@code -Dpeerpool.pidfile=PATH}: where to say "started", for bin/peerpool. */
    private static Path pidFile() {
        String p = System.getProperty("peerpool.pidfile");
        return p == null || p.isBlank() ? null : Path.of(p);
    }

    /** Written only once the node listens, so a script waiting for it knows start-up succeeded. */
    private static void writePidFile(Path file, Logger log) {
        try {
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            // Created new, never opened through a link someone left in its place (O_EXCL: a symlink is not followed).
            if (Files.isSymbolicLink(tmp) || Files.isRegularFile(tmp, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                Files.delete(tmp);
            }
            Files.writeString(tmp, ProcessHandle.current().pid() + "\n", java.nio.file.StandardOpenOption.CREATE_NEW,
                    java.nio.file.StandardOpenOption.WRITE);
            Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            log.warn("Cannot write pid file {}: {}", file, e.toString());
        }
    }

    /**
     * Points Log4j at {@code log4j2.xml} beside the config file unless the operator chose
     * one; must run before the first logger is created.
     */
    private static void useLogConfigBeside(Path configFile) {
        if (System.getProperty("log4j2.configurationFile") != null) {
            return;
        }
        Path dir = configFile.toAbsolutePath().getParent();
        Path logConfig = dir == null ? null : dir.resolve("log4j2.xml");
        if (logConfig != null && Files.isRegularFile(logConfig)) {
            System.setProperty("log4j2.configurationFile", logConfig.toString());
        } else if (System.getProperty("org.apache.logging.log4j.level") == null) {
            // The jar ships no logging configuration (an embedder brings its own); Log4j's built-in
            // console default logs ERROR only, and an operator must still see what changed.
            System.setProperty("org.apache.logging.log4j.level", "INFO");
        }
    }
}
