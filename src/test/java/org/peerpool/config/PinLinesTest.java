package org.peerpool.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Base64;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.peerpool.tls.KeyPin;
import org.peerpool.tls.TlsMode;
import org.peerpool.wire.NodeAddress;

/**
 * Pins after a peer's address and the parts of {@code [tls]} that need no keystore
 * (DESIGN.md A2): pins are parsed strictly and merged across duplicate lines; a bad pin
 * or mode rejects the file naming its line.
 */
class PinLinesTest {

    private static final String FILE = "etc/peerpool.ini";
    private static final String HEAD = "[network]\nlocal_ip = 127.0.0.1\n";

    private static String pin(int b) {
        byte[] d = new byte[32];
        d[31] = (byte) b;
        return "sha256/" + Base64.getEncoder().encodeToString(d);
    }

    private static NodeConfig parse(String text) throws ConfigException {
        return ConfigLoader.parse(text, FILE);
    }

    private static String error(String text) {
        return assertThrows(ConfigException.class, () -> parse(text)).getMessage();
    }

    @Test
    void pinsFollowTheAddressAndDuplicatesMergeTheirs() throws Exception {
        NodeConfig cfg = parse(HEAD + "peer = 127.0.0.2 " + pin(1) + "\npeer = 127.0.0.3:7200\n"
                + "peer = 127.0.0.2:7100   " + pin(2) + " " + pin(1) + " ; old and new key\n");
        NodeAddress two = NodeAddress.parse("127.0.0.2:7100");
        assertEquals(List.of(two, NodeAddress.parse("127.0.0.3:7200")), cfg.peers());
        assertEquals(Set.of(KeyPin.parse(pin(1)), KeyPin.parse(pin(2))), cfg.pinsOf(two));
        assertEquals(Set.of(), cfg.pinsOf(NodeAddress.parse("127.0.0.3:7200")));
        assertEquals(TlsMode.OFF, cfg.tls().mode());
    }

    @Test
    void malformedPinRejectsTheFileOnItsLine() {
        String e = error(HEAD + "peer = 127.0.0.2\npeer = 127.0.0.3 sha256/tooShort=\n");
        assertTrue(e.startsWith(FILE + " line 4: peer = 127.0.0.3 sha256/tooShort=: 'sha256/tooShort=': "), e);
        assertTrue(e.contains("44 Base64 characters"), e);
        e = error(HEAD + "peer = 127.0.0.2 md5/abc\n");
        assertTrue(e.startsWith(FILE + " line 3: ") && e.contains("not a key pin"), e);
    }

    @Test
    void unknownModeIsRejectedNamingTheThreeWords() {
        assertEquals(FILE + " line 4: mode = on: expected off, optional or required", error(HEAD + "[tls]\nmode = on\n"));
    }

    @Test
    void tlsWithoutAKeystoreIsRejected() {
        String e = error(HEAD + "[tls]\nmode = optional\n");
        assertTrue(e.startsWith(FILE + " line 4: mode = optional needs this node's key"), e);
        e = error(HEAD + "[tls]\nkeystore_password = x\n");
        assertTrue(e.startsWith(FILE + " line 4: keystore_password is set but keystore is not"), e);
    }

    @Test
    void missingKeystoreFileIsRejectedNamingIt() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> parse(HEAD + "[tls]\nmode = optional\nkeystore = no-such.p12\nkeystore_password = x\n"));
        assertTrue(e.getMessage().startsWith(FILE + " line 5: keystore = no-such.p12: keystore "), e.getMessage());
        assertTrue(e.getMessage().endsWith("no-such.p12: file not found"), e.getMessage());
        // The watcher follows the named keystore even though the file was rejected.
        assertEquals("no-such.p12", e.keystore().getFileName().toString());
    }
}
