package org.peerpool.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.util.Base64;

import org.junit.jupiter.api.Test;

/** Pins as PROTOCOL.md section 7 writes them: parsed strictly, computed from the SPKI. */
class KeyPinTest {

    private static final String GOOD = "sha256/" + Base64.getEncoder().encodeToString(new byte[32]);

    @Test
    void parsesAWellFormedPin() {
        assertEquals(GOOD, KeyPin.parse(GOOD).text());
    }

    @Test
    void rejectsMalformedPinsWithWhatIsWrong() {
        String[][] bad = {
            {"sha1/" + GOOD.substring(7), "not a key pin"},
            {"sha256/abc=", "4 characters after sha256/"},
            {"sha256/" + "!".repeat(44), "not Base64"},
            // 44 characters, with the padding in the wrong place.
            {"sha256/" + "A".repeat(42) + "=A", "not Base64"},
            {"sha256/" + "A".repeat(40) + "AA==", "names 31 bytes, not 32"},
            {"sha256/" + "A".repeat(42) + "B=", "stray bits"},
        };
        for (String[] b : bad) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> KeyPin.parse(b[0]), b[0]);
            assertTrue(e.getMessage().contains(b[1]) && e.getMessage().contains("44 Base64 characters"),
                    b[0] + " -> " + e.getMessage());
        }
    }

    @Test
    void pinIsSha256OfTheSubjectPublicKeyInfo() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(256);
        PublicKey key = g.generateKeyPair().getPublic();
        byte[] spki = key.getEncoded();
        String expected = "sha256/" + Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(spki));
        assertEquals(expected, KeyPin.of(key).text());
        assertEquals(KeyPin.of(key), KeyPin.parse(expected));
    }
}
