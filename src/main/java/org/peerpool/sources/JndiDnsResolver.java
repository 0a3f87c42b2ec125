package org.peerpool.sources;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.List;

import javax.naming.CommunicationException;
import javax.naming.Context;
import javax.naming.NameNotFoundException;
import javax.naming.NamingEnumeration;
import javax.naming.NamingException;
import javax.naming.directory.Attribute;
import javax.naming.directory.DirContext;
import javax.naming.directory.InitialDirContext;

import org.peerpool.wire.NodeAddress;

/**
 * {@link PeerResolver} over the JDK's own DNS client (module {@code jdk.naming.dns}).
 * Chosen over {@link InetAddress#getAllByName}, which caches answers for
 * {@code networkaddress.cache.ttl} (fighting {@code dns_refresh_s}) and cannot tell a
 * timeout from NXDOMAIN; Java 17 has no public resolver SPI. The URL {@code dns:}
 * asks the servers of {@code /etc/resolv.conf}; a test names its own server
 * ({@code dns://127.0.0.53:PORT}). A and AAAA are asked separately: a query for both at
 * once would be an ANY query, which many resolvers answer minimally (RFC 8482).
 */
public final class JndiDnsResolver implements PeerResolver {

    private final String url;
    private final int timeoutMs;
    /** Queries per server, each waiting twice as long as the one before (JNDI calls this "retries"). */
    private final int tries;

    private JndiDnsResolver(String url, int timeoutMs, int tries) {
        this.url = url;
        this.timeoutMs = timeoutMs;
        this.tries = tries;
    }

    /** The system's DNS servers; two tries of 1 s and 2 s, so about 3 s per server at most. */
    public static JndiDnsResolver system() {
        return new JndiDnsResolver("dns:", 1000, 2);
    }

    /**
     * The DNS server at {@code url} ({@code dns://HOST:PORT}): {@code tries} queries, the
     * first waiting {@code timeoutMs}, each next one twice as long.
     */
    public static JndiDnsResolver at(String url, int timeoutMs, int tries) {
        return new JndiDnsResolver(url, timeoutMs, tries);
    }

    @Override
    public List<InetAddress> resolve(String host) throws SourceException {
        Hashtable<String, Object> env = new Hashtable<>();
        env.put(Context.INITIAL_CONTEXT_FACTORY, "com.sun.jndi.dns.DnsContextFactory");
        env.put(Context.PROVIDER_URL, url);
        env.put("com.sun.jndi.dns.timeout.initial", String.valueOf(timeoutMs));
        env.put("com.sun.jndi.dns.timeout.retries", String.valueOf(tries));
        DirContext ctx = null;
        try {
            ctx = new InitialDirContext(env);
            List<InetAddress> out = new ArrayList<>();
            // Absolute, so no search domain of resolv.conf is appended.
            String name = host.endsWith(".") ? host : host + ".";
            for (String type : List.of("A", "AAAA")) {
                Attribute records = ctx.getAttributes(name, new String[] {type}).get(type);
                if (records == null) {
                    continue;
                }
                NamingEnumeration<?> values = records.getAll();
                while (values.hasMore()) {
                    String text = String.valueOf(values.next());
                    out.add(NodeAddress.parseIp(text, host + " " + type + " record"));
                }
            }
            return out;
        } catch (NameNotFoundException e) {
            throw new SourceException(host + ": no such name (NXDOMAIN)", e);
        } catch (CommunicationException e) {
            throw new SourceException(host + ": no answer from DNS (" + reason(e) + ")", e);
        } catch (NamingException e) {
            throw new SourceException(host + ": DNS error (" + reason(e) + ")", e);
        } catch (IllegalArgumentException e) {
            throw new SourceException(host + ": unreadable record (" + e.getMessage() + ")", e);
        } finally {
            close(ctx);
        }
    }

    private static String reason(NamingException e) {
        Throwable root = e.getRootCause() != null ? e.getRootCause() : e;
        String m = root.getMessage() != null ? root.getMessage() : e.getExplanation();
        return m == null ? root.getClass().getSimpleName() : m;
    }

    private static void close(DirContext ctx) {
        if (ctx != null) {
            try {
                ctx.close();
            } catch (NamingException e) {
                // Nothing is held open between queries; a failed close loses nothing.
            }
        }
    }
}
