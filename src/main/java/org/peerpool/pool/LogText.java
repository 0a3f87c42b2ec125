package org.peerpool.pool;

/**
 * Makes text a peer or a stranger sent safe to put in a log line: control characters
 * and line or paragraph separators are shown escaped ({@code \n}, {@code \u0007}), so
 * a crafted HANDSHAKE or GOODBYE cannot forge extra lines in the log; and cut to
 * {@value #MAX_CHARS} characters, so a 64 KiB GOODBYE reason does not become a 64 KiB
 * log line (or close reason on a bean).
 */
final class LogText {

    private LogText() {
    }

    static final int MAX_CHARS = 200;

    static String printable(String s) {
        if (s == null) {
            return "null";
        }
        if (s.length() > MAX_CHARS) {
            return escaped(s.substring(0, MAX_CHARS)) + "... (" + s.length() + " characters)";
        }
        return escaped(s);
    }

    private static String escaped(String s) {
        StringBuilder b = null;
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            boolean unsafe = ch < 0x20 || ch == 0x7F || (ch >= 0x80 && ch < 0xA0) || ch == 0x2028 || ch == 0x2029;
            if (unsafe && b == null) {
                b = new StringBuilder(s.length() + 16).append(s, 0, i);
            }
            if (b != null) {
                if (!unsafe) {
                    b.append(ch);
                } else if (ch == '\n') {
                    b.append("\\n");
                } else if (ch == '\r') {
                    b.append("\\r");
                } else if (ch == '\t') {
                    b.append("\\t");
                } else {
                    b.append(String.format("\\u%04x", (int) ch));
                }
            }
        }
        return b == null ? s : b.toString();
    }
}
