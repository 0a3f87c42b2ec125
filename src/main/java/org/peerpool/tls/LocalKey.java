package org.peerpool.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.UnrecoverableKeyException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;

/**
 * This node's key pair and certificate, read from its PKCS#12 keystore (DESIGN.md A2):
 * exactly one private key entry. Two loads are equal when the file's bytes are, so a
 * config snapshot that holds one tells a changed keystore from an unchanged one.
 */
public final class LocalKey {

    private final Path file;
    private final PrivateKey privateKey;
    private final X509Certificate[] chain;
    private final KeyPin pin;
    private final byte[] contentDigest;

    private LocalKey(Path file, PrivateKey privateKey, X509Certificate[] chain, byte[] contentDigest) {
        this.file = file;
        this.privateKey = privateKey;
        this.chain = chain;
        this.pin = KeyPin.of(chain[0]);
        this.contentDigest = contentDigest;
    }

    /** Reads {@code file} with {@code password}; the exception's message names the file and the fault. */
    public static LocalKey load(Path file, char[] password) throws KeystoreException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new KeystoreException("keystore " + file + ": file not found", e);
        } catch (AccessDeniedException e) {
            throw new KeystoreException("keystore " + file + ": cannot read file (permission denied)", e);
        } catch (IOException e) {
            throw new KeystoreException("keystore " + file + ": cannot read file (" + e.getMessage() + ")", e);
        }
        KeyStore ks;
        try {
            ks = KeyStore.getInstance("PKCS12");
            ks.load(new ByteArrayInputStream(bytes), password);
        } catch (IOException e) {
            if (e.getCause() instanceof UnrecoverableKeyException) {
                throw new KeystoreException("keystore " + file + ": wrong keystore_password", e);
            }
            throw new KeystoreException("keystore " + file + ": not a PKCS#12 keystore (" + e.getMessage() + ")", e);
        } catch (GeneralSecurityException e) {
            throw new KeystoreException("keystore " + file + ": cannot be read (" + e.getMessage() + ")", e);
        }
        try {
            List<String> keys = new ArrayList<>();
            for (String alias : Collections.list(ks.aliases())) {
                if (ks.isKeyEntry(alias)) {
                    keys.add(alias);
                }
            }
            if (keys.size() != 1) {
                throw new KeystoreException("keystore " + file + ": holds " + keys.size()
                        + " private keys (expected exactly one)");
            }
            String alias = keys.get(0);
            PrivateKey key = (PrivateKey) ks.getKey(alias, password);
            Certificate[] certs = ks.getCertificateChain(alias);
            if (key == null || certs == null || certs.length == 0 || !(certs[0] instanceof X509Certificate)) {
                throw new KeystoreException("keystore " + file + ": entry '" + alias
                        + "' has no X.509 certificate with its key");
            }
            X509Certificate[] chain = Arrays.copyOf(certs, certs.length, X509Certificate[].class);
            return new LocalKey(file, key, chain, MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (UnrecoverableKeyException e) {
            throw new KeystoreException("keystore " + file + ": wrong keystore_password for its key", e);
        } catch (GeneralSecurityException e) {
            throw new KeystoreException("keystore " + file + ": cannot be read (" + e.getMessage() + ")", e);
        }
    }

    public Path file() {
        return file;
    }

    /**
     * JSSE key managers that present this key and its chain. The private key itself has
     * no getter: TLS is the one thing it is for.
     */
    public KeyManager[] keyManagers() throws GeneralSecurityException {
        char[] password = "in-memory".toCharArray();
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try {
            ks.load(null, null);
        } catch (IOException e) {
            throw new GeneralSecurityException("empty keystore", e);
        }
        ks.setKeyEntry("node", privateKey, password, chain.clone());
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, password);
        return kmf.getKeyManagers();
    }

    /** The pin other nodes list for this node. */
    public KeyPin pin() {
        return pin;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LocalKey k && k.file.equals(file) && Arrays.equals(k.contentDigest, contentDigest);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(contentDigest);
    }

    @Override
    public String toString() {
        return file + " (" + pin + ")";
    }
}
