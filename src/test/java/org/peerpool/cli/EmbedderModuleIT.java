package org.peerpool.cli;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.peerpool.testing.TestNet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 17: the engine is not public API. An application on the module path that
 * {@code requires org.peerpool} builds and runs two agents with what the exported
 * packages offer (the root, {@code config}, {@code tls} values and {@code wire}), and
 * cannot compile against the pool's engine types ({@code Connection}, {@code Link},
 * {@code Dialer}, {@code TransportEvents}) or the MINA transport.
 */
@Timeout(300)
class EmbedderModuleIT {

    private static final Path JAR = Path.of("target", "peerpool.jar");
    /** The library's runtime dependencies, as named jars on this test's class path. */
    private static final List<String> DEPENDENCIES = List.of("mina-core-", "commons-configuration2-", "commons-lang3-",
            "commons-text-", "commons-logging-", "commons-io-", "slf4j-api-");

    private static final String MODULE_INFO = """
            module example.embedder {
                requires org.peerpool;
            }
            """;

    @TempDir
    Path dir;

    @Test
    void anApplicationOnTheModulePathRunsTwoAgentsThroughTheExportedApi() throws Exception {
        Path src = source("""
                package example;

                import java.net.InetAddress;
                import java.util.concurrent.CountDownLatch;
                import java.util.concurrent.TimeUnit;

                import org.peerpool.Agent;
                import org.peerpool.PeerSnapshot;
                import org.peerpool.PoolView;
                import org.peerpool.config.NodeConfig;
                import org.peerpool.wire.NodeAddress;

                public class Main {
                    public static void main(String[] args) throws Exception {
                        int port = Integer.parseInt(args[0]);
                        NodeAddress one = NodeAddress.parse("127.0.0.1:" + port);
                        NodeAddress two = NodeAddress.parse("127.0.0.2:" + port);
                        Agent a = Agent.builder(NodeConfig.builder(InetAddress.getByName("127.0.0.1")).port(port)
                                .addPeer(two).build()).mbeanServer(null).build();
                        Agent b = Agent.builder(NodeConfig.builder(InetAddress.getByName("127.0.0.2")).port(port)
                                .addPeer(one).build()).mbeanServer(null).build();
                        CountDownLatch got = new CountDownLatch(1);
                        b.onPayload((from, topic, data) -> got.countDown());
                        try {
                            b.start();
                            a.start();
                            PoolView pool = a.pool();
                            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                            while (!pool.isConnected(two)) {
                                if (System.nanoTime() > deadline) {
                                    System.out.println("never connected");
                                    System.exit(1);
                                }
                                Thread.sleep(20);
                            }
                            a.send(two, "hello", new byte[] {1}).get(60, TimeUnit.SECONDS);
                            if (!got.await(60, TimeUnit.SECONDS)) {
                                System.out.println("payload never arrived");
                                System.exit(1);
                            }
                            PeerSnapshot s = pool.snapshot(two).orElseThrow();
                            System.out.println("embedded: " + s.state() + " " + s.direction() + " on "
                                    + Main.class.getModule().getName());
                        } finally {
                            a.stop();
                            b.stop();
                        }
                    }
                }
                """);
        Path out = dir.resolve("out");
        List<String> errors = compile(src, out);
        assertEquals(List.of(), errors, "the embedder compiles against the exported API");

        int port = TestNet.freePort(2);
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--module-path", out + File.pathSeparator + modulePath(),
                "-m", "example.embedder/example.Main", Integer.toString(port));
        Path log = dir.resolve("run.log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertTrue(p.waitFor(180, TimeUnit.SECONDS), "the embedder did not finish");
        String output = Files.readString(log, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), output);
        assertTrue(output.contains("embedded: CONNECTED OUTBOUND on example.embedder"), output);
    }

    @Test
    void theEngineIsOutOfReachOfAnApplicationOnTheModulePath() throws Exception {
        Path src = source("""
                package example;

                public class Reach {
                    org.peerpool.pool.Connection connection;
                    org.peerpool.pool.Link link;
                    org.peerpool.pool.Dialer dialer;
                    org.peerpool.pool.TransportEvents events;
                    org.peerpool.pool.ConnectionPool pool;
                    org.peerpool.transport.Transport transport;
                    org.peerpool.transport.TlsContext tls;
                }
                """);
        List<String> errors = compile(src, dir.resolve("out"));
        assertFalse(errors.isEmpty(), "the engine's types compiled from outside the module");
        for (String pkg : List.of("org.peerpool.pool", "org.peerpool.transport")) {
            assertTrue(errors.stream().anyMatch(e -> e.contains("package " + pkg + " is not visible")
                            || e.contains("package " + pkg + " is declared in module org.peerpool, which does not export it")),
                    pkg + " is refused as not exported: " + errors);
        }
    }

    /** Writes {@code code} (package example) and the module descriptor under a fresh source tree. */
    private Path source(String code) throws IOException {
        Path src = Files.createDirectories(dir.resolve("src"));
        Files.writeString(src.resolve("module-info.java"), MODULE_INFO);
        String name = code.split("public class ")[1].split(" ")[0];
        Path file = Files.createDirectories(src.resolve("example")).resolve(name + ".java");
        Files.writeString(file, code);
        return src;
    }

    /** Compiles the module under {@code src} into {@code out}; returns the errors, each as one line. */
    private static List<String> compile(Path src, Path out) throws IOException {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        List<Path> files;
        try (var walk = Files.walk(src)) {
            files = walk.filter(f -> f.toString().endsWith(".java")).toList();
        }
        Files.createDirectories(out);
        try (StandardJavaFileManager fm = javac.getStandardFileManager(diagnostics, Locale.ROOT, StandardCharsets.UTF_8)) {
            List<String> options = List.of("--release", "17", "--module-path", modulePath(), "-d", out.toString());
            boolean ok = javac.getTask(null, fm, diagnostics, options, null, fm.getJavaFileObjectsFromPaths(files)).call();
            List<String> errors = new ArrayList<>();
            for (Diagnostic<? extends JavaFileObject> d : diagnostics.getDiagnostics()) {
                if (d.getKind() == Diagnostic.Kind.ERROR) {
                    errors.add(d.getMessage(Locale.ROOT).replace('\n', ' '));
                }
            }
            assertEquals(ok, errors.isEmpty(), "javac's verdict and its errors agree: " + errors);
            return errors;
        }
    }

    /** The built jar and its runtime dependencies, found on this test's class path. */
    private static String modulePath() {
        List<String> path = new ArrayList<>(List.of(JAR.toAbsolutePath().toString()));
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            String name = Path.of(entry).getFileName().toString();
            if (name.endsWith(".jar") && DEPENDENCIES.stream().anyMatch(name::startsWith)) {
                path.add(entry);
            }
        }
        assertEquals(DEPENDENCIES.size() + 1, path.size(), "every dependency found on the class path: " + path);
        return String.join(File.pathSeparator, path);
    }
}
