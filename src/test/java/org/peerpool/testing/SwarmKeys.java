package org.peerpool.testing;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * A key of its own for every swarm peer: EC P-256 key pairs with self-signed
 * certificates made in this JVM (keytool's half a second a key would be eight minutes
 * for a thousand), and for each a TLS 1.3 client context presenting it. The certificate
 * is the smallest X.509 v3 that JSSE takes: version, serial, ecdsa-with-SHA256, a common
 * name, a validity, the public key, signed by its own key. Pins come from
 * {@link Keys#pinOf}, independently of the main code's.
 */
public final class SwarmKeys {

    private static final byte[] ECDSA_WITH_SHA256 = {0x30, 0x0a, 0x06, 0x08, 0x2a, (byte) 0x86, 0x48, (byte) 0xce,
            0x3d, 0x04, 0x03, 0x02};
    private static final byte[] COMMON_NAME = {0x06, 0x03, 0x55, 0x04, 0x03};
    private static final DateTimeFormatter UTC_TIME = DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'");

    private final List<PrivateKey> keys = new ArrayList<>();
    private final List<X509Certificate> certificates = new ArrayList<>();
    private final List<String> pins = new ArrayList<>();

    private SwarmKeys() {
    }

    /** {@code count} fresh keys with their certificates. */
    public static SwarmKeys generate(int count) {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            ZonedDateTime now = ZonedDateTime.now(ZoneOffset.UTC);
            byte[] validity = der(0x30, der(0x17, ascii(now.minusDays(1).format(UTC_TIME))),
                    der(0x17, ascii(now.plusYears(10).format(UTC_TIME))));
            SwarmKeys out = new SwarmKeys();
            for (int i = 0; i < count; i++) {
                KeyPair kp = g.generateKeyPair();
                byte[] name = der(0x30, der(0x31, der(0x30, COMMON_NAME, der(0x0c, ascii("swarm-peer-" + i)))));
                byte[] tbs = der(0x30, der(0xa0, der(0x02, new byte[] {2})),
                        der(0x02, BigInteger.valueOf(i + 1L).toByteArray()), ECDSA_WITH_SHA256, name, validity, name,
                        kp.getPublic().getEncoded());
                Signature s = Signature.getInstance("SHA256withECDSA");
                s.initSign(kp.getPrivate());
                s.update(tbs);
                byte[] signature = s.sign();
                byte[] bits = new byte[signature.length + 1];
                System.arraycopy(signature, 0, bits, 1, signature.length);
                byte[] cert = der(0x30, tbs, ECDSA_WITH_SHA256, der(0x03, bits));
                X509Certificate c = (X509Certificate) cf.generateCertificate(new ByteArrayInputStream(cert));
                out.keys.add(kp.getPrivate());
                out.certificates.add(c);
                out.pins.add(Keys.pinOf(c));
            }
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("EC P-256 is part of every JDK", e);
        }
    }

    public int size() {
        return keys.size();
    }

    /** Every peer's pin, in peer order. */
    public List<String> pins() {
        return List.copyOf(pins);
    }

    /** Peer {@code i}'s pin, {@code sha256/...}. */
    public String pin(int i) {
        return pins.get(i);
    }

    public X509Certificate certificate(int i) {
        return certificates.get(i);
    }

    /** A TLS 1.3 client context presenting peer {@code i}'s key and judging the server with {@code trust}. */
    public SSLContext context(int i, TrustManager trust) {
        try {
            SSLContext ctx = SSLContext.getInstance("TLSv1.3");
            ctx.init(new KeyManager[] {new OneKey(keys.get(i), certificates.get(i))}, new TrustManager[] {trust}, null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** One DER value: tag, definite length, then the parts. */
    private static byte[] der(int tag, byte[]... parts) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            body.writeBytes(p);
        }
        int n = body.size();
        ByteArrayOutputStream out = new ByteArrayOutputStream(n + 4);
        out.write(tag);
        if (n < 0x80) {
            out.write(n);
        } else if (n < 0x100) {
            out.write(0x81);
            out.write(n);
        } else {
            out.write(0x82);
            out.write(n >> 8);
            out.write(n);
        }
        out.writeBytes(body.toByteArray());
        return out.toByteArray();
    }

    /** Presents one key wherever the server takes its type. */
    private static final class OneKey extends X509ExtendedKeyManager {
        private static final String ALIAS = "peer";
        private final PrivateKey key;
        private final X509Certificate[] chain;

        OneKey(PrivateKey key, X509Certificate certificate) {
            this.key = key;
            this.chain = new X509Certificate[] {certificate};
        }

        @Override
        public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
            return chooseClientAlias(keyType, issuers, null);
        }

        @Override
        public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
            for (String t : keyType) {
                if (key.getAlgorithm().equals(t)) {
                    return ALIAS;
                }
            }
            return null;
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return key.getAlgorithm().equals(keyType) ? new String[] {ALIAS} : null;
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return null;
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            return null;
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            return ALIAS.equals(alias) ? chain.clone() : null;
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            return ALIAS.equals(alias) ? key : null;
        }
    }
}
