package org.peerpool.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The {@code [tls] keystore} and {@code keystore_password} of a config file, read with
 * the loader's rules for a value (an inline comment starts at ';' or '#' after
 * whitespace; a value may be quoted whole). A stopgap until the config loader knows
 * {@code [tls]}: then {@link PinTool} asks it instead.
 */
final class TlsKeystoreLines {

    /** The keystore file (resolved against the config file's directory) and its password. */
    record Keystore(Path file, char[] password) {
    }

    private TlsKeystoreLines() {
    }

    static Keystore read(Path configFile) throws PinTool.NoKeystore {
        String text;
        try {
            text = Files.readString(configFile, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new PinTool.NoKeystore(configFile + ": cannot read file (" + e + ")");
        }
        String section = null;
        String keystore = null;
        String password = null;
        for (String raw : text.split("\r\n|\r|\n")) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith(";") || line.startsWith("#")) {
                continue;
            }
            if (line.startsWith("[")) {
                int close = line.indexOf(']');
                section = close > 0 ? line.substring(1, close).strip() : null;
                continue;
            }
            int eq = line.indexOf('=');
            if (!"tls".equals(section) || eq < 0) {
                continue;
            }
            String key = line.substring(0, eq).strip();
            String value = value(line.substring(eq + 1).strip());
            if (key.equals("keystore")) {
                keystore = value;
            } else if (key.equals("keystore_password")) {
                password = value;
            }
        }
        if (keystore == null || keystore.isEmpty()) {
            throw new PinTool.NoKeystore(configFile + " has no [tls] keystore, so this node has no key;"
                    + " 'bin/peerpool keygen' makes one");
        }
        if (password == null) {
            throw new PinTool.NoKeystore(configFile + ": [tls] keystore without keystore_password");
        }
        Path dir = configFile.toAbsolutePath().getParent();
        return new Keystore(dir.resolve(keystore), password.toCharArray());
    }

    private static String value(String raw) {
        if (raw.length() >= 2 && (raw.charAt(0) == '"' || raw.charAt(0) == '\'')) {
            int close = raw.indexOf(raw.charAt(0), 1);
            if (close > 0) {
                return raw.substring(1, close);
            }
        }
        for (int i = 1; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if ((c == ';' || c == '#') && Character.isWhitespace(raw.charAt(i - 1))) {
                return raw.substring(0, i).strip();
            }
        }
        return raw;
    }
}
