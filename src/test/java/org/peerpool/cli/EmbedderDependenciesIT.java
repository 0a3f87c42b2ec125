package org.peerpool.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What an application that embeds peerpool gets: the library needs only slf4j-api, so
 * a project depending on the jar resolves neither Log4j nor its binding, and the jar
 * carries no logging configuration that would take over the embedder's.
 */
@Timeout(300)
class EmbedderDependenciesIT {

    private static final Path JAR = Path.of("target", "peerpool.jar");

    @TempDir
    Path dir;

    @Test
    void theJarShipsNoLoggingConfiguration() throws IOException {
        try (JarFile jar = new JarFile(JAR.toFile())) {
            assertNull(jar.getEntry("log4j2.xml"));
            assertNull(jar.getEntry("log4j2.properties"));
            assertNull(jar.getEntry("log4j2-test.xml"));
        }
    }

    @Test
    void aProjectDependingOnTheJarResolvesNoLog4j() throws Exception {
        // A repository of our own holding just this build, so the real local repository is not touched.
        Path repo = dir.resolve("repo");
        String version = projectVersion();
        Path home = repo.resolve("org/peerpool/peerpool/" + version);
        Files.createDirectories(home);
        Files.copy(JAR, home.resolve("peerpool-" + version + ".jar"));
        Files.copy(Path.of("pom.xml"), home.resolve("peerpool-" + version + ".pom"));
        Path consumer = Files.createDirectories(dir.resolve("consumer"));
        Files.writeString(consumer.resolve("pom.xml"), """
                <project xmlns="http://maven.apache.org/POM/4.0.0">
                  <modelVersion>4.0.0</modelVersion>
                  <groupId>example</groupId>
                  <artifactId>embedder</artifactId>
                  <version>1</version>
                  <repositories>
                    <repository>
                      <id>this-build</id>
                      <url>%s</url>
                      <snapshots><enabled>true</enabled><updatePolicy>always</updatePolicy></snapshots>
                    </repository>
                  </repositories>
                  <dependencies>
                    <dependency>
                      <groupId>org.peerpool</groupId>
                      <artifactId>peerpool</artifactId>
                      <version>%s</version>
                    </dependency>
                  </dependencies>
                </project>
                """.formatted(repo.toUri(), version));
        Path tree = consumer.resolve("tree.txt");
        List<String> cmd = new ArrayList<>(List.of("mvn", "-B", "-q",
                "org.apache.maven.plugins:maven-dependency-plugin:3.8.1:tree", "-DoutputFile=" + tree));
        Process p = new ProcessBuilder(cmd).directory(consumer.toFile())
                .redirectErrorStream(true).redirectOutput(consumer.resolve("mvn.log").toFile()).start();
        assertTrue(p.waitFor(240, TimeUnit.SECONDS), "mvn dependency:tree finished");
        String log = Files.readString(consumer.resolve("mvn.log"), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), log);
        String deps = Files.readString(tree, StandardCharsets.UTF_8);
        assertTrue(deps.contains("org.peerpool:peerpool:jar:" + version), deps);
        assertTrue(deps.contains("org.slf4j:slf4j-api"), deps);
        assertTrue(deps.contains("org.apache.mina:mina-core"), deps);
        assertFalse(deps.contains("log4j-core"), deps);
        assertFalse(deps.contains("log4j-slf4j2-impl"), deps);
    }

    /** The version in pom.xml (the project's own, the first version element after its artifactId). */
    private static String projectVersion() throws IOException {
        String pom = Files.readString(Path.of("pom.xml"), StandardCharsets.UTF_8);
        int at = pom.indexOf("<artifactId>peerpool</artifactId>");
        int start = pom.indexOf("<version>", at) + "<version>".length();
        return pom.substring(start, pom.indexOf("</version>", start)).strip();
    }
}
