package org.peerpool.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A packet capture of loopback traffic on chosen TCP ports, by {@code tcpdump}, read
 * back as one byte stream per TCP direction, so a test can say what did and did not
 * cross the wire in the clear. The pcap reader is deliberately small: IPv4 over the
 * link types tcpdump writes for {@code lo}, TCP payloads put in sequence order.
 */
public final class Capture implements AutoCloseable {

    private final Path file;
    private final Process tcpdump;
    private Map<String, byte[]> streams;

    private Capture(Path file, Process tcpdump) {
        this.file = file;
        this.tcpdump = tcpdump;
    }

    /**
     * Why no capture can be made here (not root, no tcpdump), or null when it can. Tests
     * skip with this reason; {@code .ci/run} makes sure CI does not.
     */
    public static String unavailableReason() {
        try {
            Object uid = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
            if (!Integer.valueOf(0).equals(uid)) {
                return "capturing on lo needs root (uid is " + uid + ")";
            }
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return "cannot tell the user id (" + e + "), so cannot capture";
        }
        if (tcpdump() == null) {
            return "tcpdump is not installed (apt-get install tcpdump)";
        }
        return null;
    }

    private static String tcpdump() {
        for (String dir : (System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/usr/bin:/sbin").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "tcpdump"))) {
                return Path.of(dir, "tcpdump").toString();
            }
        }
        return null;
    }

    /** Starts capturing TCP on lo to and from {@code ports} into {@code file}; returns once tcpdump listens. */
    public static Capture start(Path file, int... ports) throws IOException, InterruptedException {
        String filter = Arrays.stream(ports).mapToObj(p -> "tcp port " + p).collect(Collectors.joining(" or "));
        Process p = new ProcessBuilder(tcpdump(), "-i", "lo", "-U", "--immediate-mode", "-n", "-s", "0", "-w", file.toString(), filter)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        CountDownLatch listening = new CountDownLatch(1);
        StringBuilder said = new StringBuilder();
        Thread reader = new Thread(() -> {
            try (InputStream err = p.getErrorStream()) {
                // tcpdump says "listening on lo ..." once its socket is open; everything after is captured.
                // (--immediate-mode: without it libpcap holds packets up to a second in its ring buffer.)
                byte[] buf = new byte[1024];
                int n;
                while ((n = err.read(buf)) > 0) {
                    synchronized (said) {
                        said.append(new String(buf, 0, n));
                        if (said.indexOf("listening on") >= 0) {
                            listening.countDown();
                        }
                    }
                }
            } catch (IOException e) {
                // the process ended
            }
        }, "tcpdump-stderr");
        reader.setDaemon(true);
        reader.start();
        if (!listening.await(10, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            synchronized (said) {
                throw new IOException("tcpdump did not start listening: " + said);
            }
        }
        return new Capture(file, p);
    }

    /**
     * Stops capturing once {@code marker} is in a captured stream, then reads the file.
     * tcpdump writes packets in the order it captured them (-U), so a marker sent after
     * everything a test waited for proves all of that is in the file, however far behind
     * a loaded machine left tcpdump; a quiet spell in the file's growth would prove
     * nothing. Fails when the marker is not there within {@code within}.
     */
    public void stopOnceSeen(byte[] marker, Duration within) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (read(file).values().stream().noneMatch(bytes -> indexOf(bytes, marker) >= 0)) {
            if (System.nanoTime() > deadline) {
                tcpdump.destroy();
                throw new IOException("the marker was not captured within " + within.toSeconds() + " s");
            }
            Thread.sleep(20);
        }
        tcpdump.destroy();
        if (!tcpdump.waitFor(5, TimeUnit.SECONDS)) {
            tcpdump.destroyForcibly();
        }
        streams = read(file);
    }

    /** Every TCP direction captured ("src:port>dst:port") and the payload bytes that crossed it, in order. */
    public Map<String, byte[]> streams() {
        if (streams == null) {
            throw new IllegalStateException("stop() first");
        }
        return streams;
    }

    /** The streams that contain {@code marker} anywhere. */
    public List<String> streamsContaining(byte[] marker) {
        List<String> out = new ArrayList<>();
        for (var e : streams().entrySet()) {
            if (indexOf(e.getValue(), marker) >= 0) {
                out.add(e.getKey());
            }
        }
        return out;
    }

    /** Total payload bytes of the streams whose key mentions {@code port}. */
    public long bytesOnPort(int port) {
        return streams().entrySet().stream().filter(e -> e.getKey().contains(":" + port + ">")
                || e.getKey().endsWith(":" + port)).mapToLong(e -> e.getValue().length).sum();
    }

    public static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    @Override
    public void close() {
        if (tcpdump.isAlive()) {
            tcpdump.destroyForcibly();
        }
    }

    // --- pcap reading -------------------------------------------------------------

    /** One direction's segments by sequence number, put together once all are read. */
    private static final class Flow {
        final Map<Long, byte[]> segments = new LinkedHashMap<>();

        byte[] bytes() {
            List<Map.Entry<Long, byte[]>> list = new ArrayList<>(segments.entrySet());
            if (list.isEmpty()) {
                return new byte[0];
            }
            long base = list.get(0).getKey();
            // Sequence numbers wrap at 2^32; relative to the first they sort correctly here.
            list.sort((a, b) -> Long.compare((a.getKey() - base) & 0xffffffffL, (b.getKey() - base) & 0xffffffffL));
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            long next = -1;
            for (var e : list) {
                long seq = (e.getKey() - base) & 0xffffffffL;
                byte[] data = e.getValue();
                int skip = next < 0 || seq >= next ? 0 : (int) Math.min(data.length, next - seq);
                out.write(data, skip, data.length - skip);
                next = Math.max(next, seq + data.length);
            }
            return out.toByteArray();
        }
    }

    static Map<String, byte[]> read(Path file) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file));
        if (b.remaining() < 24) {
            throw new IOException(file + ": no pcap header (" + b.remaining() + " bytes)");
        }
        int magic = b.order(ByteOrder.BIG_ENDIAN).getInt(0);
        if (magic == 0xd4c3b2a1 || magic == 0x4d3cb2a1) {
            b.order(ByteOrder.LITTLE_ENDIAN);
        } else if (magic != 0xa1b2c3d4 && magic != 0xa1b23c4d) {
            throw new IOException(file + ": not a pcap file (magic " + Integer.toHexString(magic) + ")");
        }
        int linkType = b.getInt(20);
        b.position(24);
        Map<String, Flow> flows = new LinkedHashMap<>();
        while (b.remaining() >= 16) {
            b.getInt();
            b.getInt();
            int captured = b.getInt();
            b.getInt();
            if (captured > b.remaining()) {
                break; // the last record was cut short when tcpdump stopped
            }
            byte[] packet = new byte[captured];
            b.get(packet);
            segment(packet, linkType, flows);
        }
        Map<String, byte[]> out = new LinkedHashMap<>();
        flows.forEach((k, f) -> out.put(k, f.bytes()));
        return out;
    }

    private static void segment(byte[] packet, int linkType, Map<String, Flow> flows) {
        int ip;
        switch (linkType) {
            case 1 -> ip = 14;              // Ethernet: what Linux reports for lo
            case 113 -> ip = 16;            // Linux cooked (-i any)
            case 276 -> ip = 20;            // Linux cooked v2
            case 0 -> ip = 4;               // BSD loopback
            case 101, 228 -> ip = 0;        // raw IP
            default -> {
                return;
            }
        }
        if (packet.length < ip + 20 || (packet[ip] >> 4 & 0xf) != 4 || packet[ip + 9] != 6) {
            return; // not IPv4 TCP; the tests use 127.0.0.0/8 only
        }
        ByteBuffer p = ByteBuffer.wrap(packet).order(ByteOrder.BIG_ENDIAN);
        int ihl = (packet[ip] & 0xf) * 4;
        int total = p.getShort(ip + 2) & 0xffff;
        String src = (packet[ip + 12] & 0xff) + "." + (packet[ip + 13] & 0xff) + "." + (packet[ip + 14] & 0xff) + "."
                + (packet[ip + 15] & 0xff);
        String dst = (packet[ip + 16] & 0xff) + "." + (packet[ip + 17] & 0xff) + "." + (packet[ip + 18] & 0xff) + "."
                + (packet[ip + 19] & 0xff);
        int tcp = ip + ihl;
        int srcPort = p.getShort(tcp) & 0xffff;
        int dstPort = p.getShort(tcp + 2) & 0xffff;
        long seq = p.getInt(tcp + 4) & 0xffffffffL;
        int dataOffset = (packet[tcp + 12] >> 4 & 0xf) * 4;
        int start = tcp + dataOffset;
        int end = Math.min(packet.length, ip + total);
        if (end <= start) {
            return; // no payload: SYN, ACK, FIN
        }
        String key = src + ":" + srcPort + ">" + dst + ":" + dstPort;
        flows.computeIfAbsent(key, k -> new Flow()).segments.putIfAbsent(seq, Arrays.copyOfRange(packet, start, end));
    }

    /** For a failure message: the flows and their sizes. */
    public String describe() {
        return streams().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue().length + "B")
                .collect(Collectors.joining(", ", "{", "}"));
    }
}
