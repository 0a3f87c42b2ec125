package org.peerpool.bench;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.peerpool.Agent;
import org.peerpool.config.ConfigControl;
import org.peerpool.config.ConfigWatcher;
import org.peerpool.PeerSnapshot;
import org.peerpool.testing.Ini;
import org.peerpool.wire.NodeAddress;

/**
 * Keystore reload latency: a node whose keystore lives outside its INI's directory
 * (DESIGN.md A2: its content is watched like the file's) is given another key by
 * writing that key's bytes over its keystore in place. Each sample times until the new
 * key is in force at the node, and until its peer, which pins both keys, holds a link
 * on the new key. {@code TlsRotationTest} checks that this happens; how soon is this
 * figure's, as a wall-clock bound in a test would fail on a loaded machine.
 */
final class KeystoreReloadLatency {

    private KeystoreReloadLatency() {
    }

    static void run(Settings s, Results r) throws Exception {
        InetAddress watchedIp = BenchNet.ip(3, 3);
        InetAddress peerIp = BenchNet.ip(3, 4);
        int port = BenchNet.freePort(List.of(watchedIp, peerIp));
        NodeAddress self = NodeAddress.of(watchedIp, port);
        NodeAddress peer = NodeAddress.of(peerIp, port);
        Path dir = Files.createDirectories(s.out().resolve("keystore-reload"));
        Path keys = dir.resolve("keys");
        String password = BenchKeys.randomPassword();
        List<BenchKeys.Key> own = List.of(BenchKeys.make(keys, "node-a", password), BenchKeys.make(keys, "node-b", password));
        BenchKeys.Key peerKey = BenchKeys.make(keys, "peer");
        Path keystore = keys.resolve("node.p12");
        Files.write(keystore, Files.readAllBytes(own.get(0).file()));

        Path etc = Files.createDirectories(dir.resolve("etc"));
        Path file = etc.resolve("peerpool.ini");
        // Both hold keystore_password: owner-only, or the node refuses them.
        Ini.writeOwnerOnly(file, ini(self, peer + " " + peerKey.pin(), "../keys/node.p12", password));
        Path otherFile = etc.resolve("peer.ini");
        Ini.writeOwnerOnly(otherFile, ini(peer, self + " " + own.get(0).pin() + " " + own.get(1).pin(),
                peerKey.file().toAbsolutePath().toString(), peerKey.password()));

        int n = s.reloadSamples();
        long[] inForce = new long[n];
        long[] relinked = new long[n];
        Agent other = Agent.builder(ConfigWatcher.load(otherFile)).ioThreads(1).build();
        Agent watched = Agent.builder(ConfigWatcher.load(file)).ioThreads(1).build();
        try {
            other.start();
            watched.start();
            ConfigControl control = watched.configControl();
            ReloadLatency.await(() -> linkedOn(other, self, own.get(0)), System.nanoTime(), "first link");
            for (int i = 0; i < n; i++) {
                BenchKeys.Key next = own.get((i + 1) % 2);
                ReloadLatency.pause();
                long reloads = control.status().reloadCount();
                long t0 = System.nanoTime();
                Files.write(keystore, Files.readAllBytes(next.file()));
                inForce[i] = ReloadLatency.await(() -> control.status().reloadCount() > reloads
                        && watched.pool().localKeyPin().equals(next.pin().text()), t0, "new key in force");
                relinked[i] = ReloadLatency.await(() -> linkedOn(other, self, next), t0, "link on the new key");
            }
        } finally {
            watched.stop();
            other.stop();
        }
        Stats force = Stats.millis(inForce);
        Stats link = Stats.millis(relinked);
        String method = "One agent on a watched file whose [tls] keystore is ../keys/node.p12, outside the file's "
                + "directory (127.77.3.3), and a peer agent (127.77.3.4) pinning both of its keys; TLS required, "
                + "EC P-256 keys from keytool. Each sample writes the other key's bytes over node.p12 in place "
                + "(Files.write: truncate + write) and times until the agent reports the new LocalKeyPin with "
                + "ConfigStatus.reloadCount() moved ('in force'), and until the peer holds a connection on the new "
                + "key's pin. Polled every 0.5 ms; 100-200 ms random pause before each write; " + n + " samples.";
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("savedToInForceMs", force.summary());
        d.put("savedToLinkOnNewKeyMs", link.summary());
        r.add(new Results.Row("keystore reload latency, in force p50 / p99", force.p(50), "ms",
                String.format("%.0f / %.0f ms (link on the new key at p50 %.0f ms)", force.p(50), force.p(99),
                        link.p(50)),
                null, "- (none named)", "p99 under 1000 ms (DESIGN.md A2)", force.p(99) < 1000, method, d));
    }

    private static String ini(NodeAddress self, String peerLine, String keystore, String password) {
        return "; keystore reload benchmark\n[network]\nlocal_ip = " + NodeAddress.ipText(self.ip()) + "\nport = "
                + self.port() + "\npeer = " + peerLine + "\n[connection]\nreverse_dial_after_s = 0\n"
                + "[tls]\nmode = required\nkeystore = " + keystore + "\nkeystore_password = " + password + "\n";
    }

    /** Whether {@code at} holds a connection with {@code peer} on {@code key}. */
    private static boolean linkedOn(Agent at, NodeAddress peer, BenchKeys.Key key) {
        return at.pool().snapshot(peer).map(PeerSnapshot::peerKeyPin).orElse("").equals(key.pin().text())
                && at.pool().isConnected(peer);
    }
}
