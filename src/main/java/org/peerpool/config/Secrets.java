package org.peerpool.config;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Keeps {@code keystore_password} out of every message (DESIGN.md A2: no message, log
 * line or bean shows it; {@value #MASK} does instead). The loader passes each line or
 * value it quotes through {@link #line} or {@link #value}; and as a last guard, every
 * message and warning a file's text produced goes through {@link #mask}, which replaces
 * the password wherever it stands, for text quoted by code that does not know which
 * value is the password (INIConfiguration, the keystore reader, a line holding only the
 * password).
 */
final class Secrets {

    static final String KEY = ConfigKey.KEYSTORE_PASSWORD.key();
    static final String MASK = "***";

    /** The key's name in a line, in any case, not as part of a longer key name. */
    private static final Pattern KEY_IN_LINE = Pattern.compile("(?i)(?<![A-Za-z0-9_.-])" + Pattern.quote(KEY)
            + "(?![A-Za-z0-9_.-])");
    /** What may separate the key from its value in a line that names it, well formed or not. */
    private static final Pattern SEPARATOR = Pattern.compile("^\\s*[=:]?\\s*");

    /** The password as it may appear in a message: as written, without its comment, without quotes. */
    private final List<String> values;

    private Secrets(List<String> values) {
        this.values = values;
    }

    /** The password values {@code text} holds, on any line naming the key, however malformed. */
    static Secrets in(String text) {
        Set<String> found = new LinkedHashSet<>();
        for (String raw : text.split("\r\n|\r|\n")) {
            String line = raw.strip();
            Matcher m = KEY_IN_LINE.matcher(line);
            if (isComment(line) || !m.find()) {
                continue;
            }
            String rest = SEPARATOR.matcher(line.substring(m.end())).replaceFirst("").strip();
            addWithVariants(found, rest);
        }
        List<String> longestFirst = new ArrayList<>(found);
        longestFirst.sort(Comparator.comparingInt(String::length).reversed());
        return new Secrets(List.copyOf(longestFirst));
    }

    private static void addWithVariants(Set<String> found, String value) {
        if (value.isEmpty() || !found.add(value)) {
            return;
        }
        addWithVariants(found, withoutComment(value).strip());
        char quote = value.charAt(0);
        if (quote == '"' || quote == '\'') {
            int close = value.indexOf(quote, 1);
            addWithVariants(found, (close < 0 ? value.substring(1) : value.substring(1, close)).strip());
        }
        // A trailing '\' or a stray quote is quoted with the value in the loader's messages.
        String trimmed = value.replaceAll("[\"'\\\\]+$", "").strip();
        if (!trimmed.equals(value)) {
            addWithVariants(found, trimmed);
        }
    }

    /**
     * Whether {@code text} holds the password: a line other than a comment names the
     * key before any inline comment. A malformed line counts too, since its value is the
     * password all the same.
     */
    static boolean held(String text) {
        for (String raw : text.split("\r\n|\r|\n")) {
            String line = raw.strip();
            if (line.startsWith("\uFEFF")) {
                line = line.substring(1);
            }
            if (!isComment(line) && KEY_IN_LINE.matcher(withoutComment(line)).find()) {
                return true;
            }
        }
        return false;
    }

    /** Like the loader, ';' or '#' after whitespace starts an inline comment. */
    private static String withoutComment(String line) {
        for (int i = 1; i < line.length(); i++) {
            char c = line.charAt(i);
            if ((c == ';' || c == '#') && Character.isWhitespace(line.charAt(i - 1))) {
                return line.substring(0, i);
            }
        }
        return line;
    }

    /** A raw line for a message: cut after the key's name, when it names it, and {@value #MASK} for the rest. */
    static String line(String line) {
        Matcher m = KEY_IN_LINE.matcher(line);
        return m.find() ? line.substring(0, m.end()) + " " + MASK : line;
    }

    /** The value of {@code key} for a message: {@value #MASK} for the password. */
    static String value(String key, String value) {
        return KEY.equals(key) ? MASK : value;
    }

    /** {@code message} with the password, standing alone, replaced by {@value #MASK}. */
    String mask(String message) {
        if (message == null) {
            return null;
        }
        String out = message;
        for (String v : values) {
            out = Pattern.compile("(?<![A-Za-z0-9])" + Pattern.quote(v) + "(?![A-Za-z0-9])").matcher(out)
                    .replaceAll(Matcher.quoteReplacement(MASK));
        }
        return out;
    }

    /**
     * {@code e} with its message masked; the cause is dropped when any message in its
     * chain shows the password, so no stack trace logged later can show it either.
     */
    ConfigException mask(ConfigException e) {
        if (values.isEmpty()) {
            return e;
        }
        Throwable cause = e.getCause();
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (!String.valueOf(t.getMessage()).equals(mask(String.valueOf(t.getMessage())))) {
                cause = null;
                break;
            }
        }
        String message = mask(e.getMessage());
        if (cause == e.getCause() && message.equals(e.getMessage())) {
            return e;
        }
        ConfigException masked = new ConfigException(message, cause, e.keystore());
        masked.setStackTrace(e.getStackTrace());
        return masked;
    }

    private static boolean isComment(String line) {
        return line.startsWith(";") || line.startsWith("#");
    }
}
