package org.peerpool;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.peerpool.config.ConfigWatcher;
import org.peerpool.testing.Await;
import org.peerpool.testing.Ini;
import org.peerpool.testing.TestNet;
import org.peerpool.wire.NodeAddress;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Two hundred alternating add/remove reloads leave no thread, socket, bean or peer entry behind. */
@Timeout(180)
class ReloadLeakTest {

    @TempDir
    Path dir;

    private final List<Agent> agents = new ArrayList<>();

    @AfterEach
    void stopAll() {
        agents.forEach(Agent::stop);
    }

    static long peerpoolThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive)
                .filter(t -> t.getName().startsWith("peerpool-") || t.getName().startsWith("Nio")).count();
    }

    static long openFileDescriptors() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }

    static Set<ObjectName> peerpoolBeans() {
        try {
            return ManagementFactory.getPlatformMBeanServer().queryNames(new ObjectName("peerpool:*"), null);
        } catch (MalformedObjectNameException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void twoHundredAddRemoveReloadsLeakNothing() throws Exception {
        int port = TestNet.freePort(3);
        List<NodeAddress> all = List.of(TestNet.address(1, port), TestNet.address(2, port), TestNet.address(3, port));
        NodeAddress third = all.get(2);
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Path f = Files.createDirectories(dir.resolve("n" + i)).resolve("peerpool.ini");
            Ini.writeInPlace(f, Ini.text(all.get(i), all));
            files.add(f);
            Agent a = Agent.builder(ConfigWatcher.load(f)).ioThreads(1).build();
            agents.add(a);
            a.start();
        }
        Agent lowest = agents.get(0);
        Await.until(Duration.ofSeconds(10), () -> agents.stream().allMatch(a -> a.pool().connectionCount() == 2), "mesh");
        String withThird = Ini.text(all.get(0), all);
        String withoutThird = Ini.text(all.get(0), all.subList(0, 2));

        cycle(lowest, files.get(0), withoutThird, withThird, third);
        long threadsBefore = peerpoolThreads();
        long fdsBefore = openFileDescriptors();
        Set<ObjectName> beansBefore = peerpoolBeans();

        for (int i = 0; i < 100; i++) {
            cycle(lowest, files.get(0), withoutThird, withThird, third);
        }
        assertEquals(200 + 2, lowest.configControl().status().reloadCount(), "every save was one reload");
        Await.until(Duration.ofSeconds(10), () -> peerpoolThreads() == threadsBefore,
                () -> "threads before " + threadsBefore + ", now " + peerpoolThreads());
        Await.until(Duration.ofSeconds(10), () -> {
            try {
                return openFileDescriptors() == fdsBefore;
            } catch (IOException e) {
                return false;
            }
        }, () -> "file descriptors before " + fdsBefore);
        Await.until(Duration.ofSeconds(15), () -> peerpoolBeans().equals(beansBefore),
                () -> "beans before " + beansBefore + ", now " + peerpoolBeans());
        assertEquals(2, lowest.pool().snapshots().size(), "peer entries");
        assertEquals(2, lowest.pool().connectionCount());
    }

    private static void cycle(Agent a, Path file, String without, String with, NodeAddress third) throws Exception {
        Ini.writeInPlace(file, without);
        a.configControl().reloadNow();
        Await.until(Duration.ofSeconds(15), () -> a.pool().snapshot(third).isEmpty(), "removed");
        Ini.writeInPlace(file, with);
        a.configControl().reloadNow();
        Await.until(Duration.ofSeconds(15), () -> a.pool().isConnected(third), "re-added and connected");
    }
}
