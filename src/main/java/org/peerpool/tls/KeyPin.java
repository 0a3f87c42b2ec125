package org.peerpool.tls;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.security.cert.Certificate;
import java.util.Base64;
import java.util.Objects;

/**
 * A key's pin (PROTOCOL.md section 7): {@code sha256/} followed by the standard Base64,
 * with padding, of the SHA-256 of the key's DER {@code SubjectPublicKeyInfo}, the form
 * OkHttp and HPKP use. Only keys are pinned, never names or chains, so a pin survives a
 * re-issued certificate for the same key and nothing else.
 */
public record KeyPin(String text) implements Comparable<KeyPin> {

    public static final String PREFIX = "sha256/";
    private static final int BASE64_CHARS = 44;
    private static final int DIGEST_BYTES = 32;

    public KeyPin {
        Objects.requireNonNull(text, "text");
    }

    /**
     * Parses a pin as written in a peer line; the message of the exception says what is
     * wrong and what a pin looks like.
     */
    public static KeyPin parse(String text) {
        String expected = " (expected " + PREFIX + " and 44 Base64 characters naming 32 bytes)";
        if (!text.startsWith(PREFIX)) {
            throw new IllegalArgumentException("'" + text + "': not a key pin" + expected);
        }
        String b64 = text.substring(PREFIX.length());
        if (b64.length() != BASE64_CHARS) {
            throw new IllegalArgumentException("'" + text + "': " + b64.length() + " characters after "
                    + PREFIX + expected);
        }
        byte[] digest;
        try {
            digest = Base64.getDecoder().decode(b64);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + text + "': not Base64" + expected, e);
        }
        if (digest.length != DIGEST_BYTES) {
            throw new IllegalArgumentException("'" + text + "': names " + digest.length + " bytes, not 32" + expected);
        }
        if (!Base64.getEncoder().encodeToString(digest).equals(b64)) {
            // Stray bits in the last character: another spelling of some pin, never the one a tool prints.
            throw new IllegalArgumentException("'" + text + "': not standard Base64 (stray bits at the end)" + expected);
        }
        return new KeyPin(text);
    }

    /** The pin of {@code key}. */
    public static KeyPin of(PublicKey key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getEncoded());
            return new KeyPin(PREFIX + Base64.getEncoder().encodeToString(digest));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /** The pin of the key {@code cert} carries. */
    public static KeyPin of(Certificate cert) {
        return of(cert.getPublicKey());
    }

    @Override
    public int compareTo(KeyPin o) {
        return text.compareTo(o.text);
    }

    @Override
    public String toString() {
        return text;
    }
}
