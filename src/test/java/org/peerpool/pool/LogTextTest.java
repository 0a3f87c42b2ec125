package org.peerpool.pool;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

class LogTextTest {

    @Test
    void plainTextIsLeftAlone() {
        String s = "127.0.0.1:7100 ünï 日本語 🙂";
        assertSame(s, LogText.printable(s));
    }

    @Test
    void lineBreaksAndControlCharactersAreEscaped() {
        assertEquals("a\\nb\\rc\\td\\u0000e\\u007ff\\u0085g\\u2028h",
                LogText.printable("a\nb\rc\td\u0000e\u007Ff\u0085g\u2028h"));
    }

    @Test
    void aLongTextIsCutWithItsLengthNamed() {
        String reason = "x".repeat(65_536);
        String shown = LogText.printable(reason);
        assertEquals("x".repeat(LogText.MAX_CHARS) + "... (65536 characters)", shown);
        assertEquals("\\n".repeat(LogText.MAX_CHARS) + "... (300 characters)", LogText.printable("\n".repeat(300)));
    }

    @Test
    void nullIsShownAsNull() {
        assertEquals("null", LogText.printable(null));
    }
}
