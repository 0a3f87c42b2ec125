package org.peerpool.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A DNS server for tests, on UDP at a loopback address: it answers A and AAAA queries
 * for the names it was given, NXDOMAIN for names set so, NOERROR with no records for
 * any other type, and nothing at all while {@link #silent(boolean) silent}.
 */
public final class TinyDns implements AutoCloseable {

    private final DatagramSocket socket;
    private final Map<String, List<InetAddress>> names = new ConcurrentHashMap<>();
    private final Map<String, Boolean> nxdomain = new ConcurrentHashMap<>();
    private final AtomicInteger queries = new AtomicInteger();
    private volatile boolean silent;
    private final Thread thread;

    private TinyDns(InetAddress ip) throws SocketException {
        socket = new DatagramSocket(new InetSocketAddress(ip, 0));
        thread = new Thread(this::serve, "tiny-dns");
        thread.setDaemon(true);
        thread.start();
    }

    /** A server on {@code ip}, on a free port. */
    public static TinyDns on(InetAddress ip) throws SocketException {
        return new TinyDns(ip);
    }

    /** The JNDI URL of this server: {@code dns://IP:PORT}. */
    public String url() {
        return "dns://" + socket.getLocalAddress().getHostAddress() + ":" + socket.getLocalPort();
    }

    /** {@code name} answers with {@code ips} from now on (an empty list: the name exists, with no records). */
    public void answer(String name, InetAddress... ips) {
        nxdomain.remove(key(name));
        names.put(key(name), List.of(ips));
    }

    /** {@code name} does not exist from now on. */
    public void nxdomain(String name) {
        names.remove(key(name));
        nxdomain.put(key(name), true);
    }

    /** While true, every query goes unanswered. */
    public void silent(boolean on) {
        silent = on;
    }

    /** Queries received so far, answered or not. */
    public int queries() {
        return queries.get();
    }

    private static String key(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return n.endsWith(".") ? n.substring(0, n.length() - 1) : n;
    }

    private void serve() {
        byte[] buf = new byte[1500];
        while (!socket.isClosed()) {
            try {
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                socket.receive(p);
                queries.incrementAndGet();
                if (silent) {
                    continue;
                }
                byte[] reply = reply(buf, p.getLength());
                if (reply != null) {
                    socket.send(new DatagramPacket(reply, reply.length, p.getSocketAddress()));
                }
            } catch (IOException e) {
                return;
            }
        }
    }

    private byte[] reply(byte[] q, int length) {
        if (length < 12) {
            return null;
        }
        int pos = 12;
        StringBuilder name = new StringBuilder();
        while (pos < length && q[pos] != 0) {
            int len = q[pos] & 0xff;
            if (name.length() > 0) {
                name.append('.');
            }
            name.append(new String(q, pos + 1, len, StandardCharsets.US_ASCII));
            pos += len + 1;
        }
        pos++;
        int qtype = ((q[pos] & 0xff) << 8) | (q[pos + 1] & 0xff);
        int questionEnd = pos + 4;
        String n = key(name.toString());
        List<InetAddress> ips = names.get(n);
        int rcode = ips == null ? 3 : 0;
        List<InetAddress> answers = ips == null ? List.of() : ips.stream()
                .filter(ip -> (qtype == 1) == (ip instanceof Inet4Address) && (qtype == 1 || qtype == 28)).toList();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(q[0]);
        out.write(q[1]);
        out.write(0x81 | (q[2] & 0x01));
        out.write(0x80 | rcode);
        short2(out, 1);
        short2(out, answers.size());
        short2(out, 0);
        short2(out, 0);
        out.write(q, 12, questionEnd - 12);
        for (InetAddress ip : answers) {
            short2(out, 0xC00C);
            short2(out, qtype);
            short2(out, 1);
            short2(out, 0);
            short2(out, 0);
            byte[] a = ip.getAddress();
            short2(out, a.length);
            out.write(a, 0, a.length);
        }
        return out.toByteArray();
    }

    private static void short2(ByteArrayOutputStream out, int v) {
        out.write((v >> 8) & 0xff);
        out.write(v & 0xff);
    }

    @Override
    public void close() {
        socket.close();
    }
}
