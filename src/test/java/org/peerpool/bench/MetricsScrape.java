package org.peerpool.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Prometheus scrapes of a node process, as an operator's Prometheus makes them: GET
 * /metrics from the JMX exporter agent bin/peerpool adds when PEERPOOL_METRICS_PORT is
 * set, with etc/metrics.yaml. Measures each scrape's wall time and the node's CPU for
 * it, and checks that every connected peer is in it.
 */
final class MetricsScrape {

    /** Medians of the timed scrapes, and what the last one held. */
    record Result(double wallMs, double nodeCpuMs, int bytes, long series, long peersConnected) {
    }

    private MetricsScrape() {
    }

    /** The JVM flag that starts the exporter as bin/peerpool does, on {@code port} of 127.0.0.1. */
    static String agentFlag(Path basedir, int port) throws IOException {
        Path jar = null;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(basedir.resolve("target/agent"),
                "jmx_prometheus_javaagent-*.jar")) {
            for (Path p : ds) {
                jar = p;
            }
        }
        if (jar == null) {
            throw new IOException("no exporter agent in target/agent (mvn package puts it there)");
        }
        return "-javaagent:" + jar + "=127.0.0.1:" + port + ":" + basedir.resolve("etc/metrics.yaml");
    }

    /** One untimed scrape, then {@code times} timed ones; the last one's text is kept in {@code keep}. */
    static Result run(int port, long pid, int times, Path keep) throws IOException, InterruptedException {
        HttpRequest get = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                .timeout(Duration.ofSeconds(60)).build();
        String body = scrape(get);
        double[] wall = new double[times];
        double[] cpu = new double[times];
        for (int i = 0; i < times; i++) {
            long c0 = ProcCpu.processNanos(pid);
            long t0 = System.nanoTime();
            body = scrape(get);
            wall[i] = (System.nanoTime() - t0) / 1e6;
            cpu[i] = (ProcCpu.processNanos(pid) - c0) / 1e6;
        }
        Files.writeString(keep, body);
        long series = body.lines().filter(l -> !l.startsWith("#") && !l.isBlank()).count();
        long connected = body.lines().filter(l -> l.startsWith("peerpool_peer_connected{")
                && (l.endsWith(" 1.0") || l.endsWith(" 1"))).count();
        return new Result(Stats.median(wall), Stats.median(cpu), body.length(), series, connected);
    }

    /** On a connection of its own, as Prometheus after a scrape interval (the exporter drops idle ones). */
    private static String scrape(HttpRequest get) throws IOException, InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        HttpResponse<String> r = http.send(get, HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("GET /metrics answered " + r.statusCode());
        }
        return r.body();
    }
}
