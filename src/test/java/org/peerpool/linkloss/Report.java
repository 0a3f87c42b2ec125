package org.peerpool.linkloss;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a scenario run in a namespace found: named figures and failed checks, printed
 * as one {@code RESULT {json}} line and a PASSED or FAILED line for the test that
 * launched it.
 */
final class Report {

    private final Map<String, Object> result = new LinkedHashMap<>();
    private final List<String> failures = new ArrayList<>();

    void put(String key, Object value) {
        result.put(key, value);
    }

    /** Records {@code what} as failed unless {@code ok}; the scenario carries on. */
    void check(boolean ok, String what) {
        if (!ok) {
            failures.add(what);
            System.out.println("CHECK FAILED: " + what);
        }
    }

    void abort(Throwable t) {
        failures.add("scenario aborted: " + t);
        t.printStackTrace(System.out);
    }

    /** Prints the result; returns the exit code (0 when every check held). */
    int finish() {
        result.put("failures", failures);
        System.out.println("RESULT " + json(result));
        System.out.println(failures.isEmpty() ? "SCENARIO PASSED" : "SCENARIO FAILED: " + failures);
        System.out.flush();
        return failures.isEmpty() ? 0 : 1;
    }

    static String json(Object o) {
        if (o instanceof Map<?, ?> m) {
            StringBuilder b = new StringBuilder("{");
            for (var e : m.entrySet()) {
                if (b.length() > 1) {
                    b.append(", ");
                }
                b.append(json(String.valueOf(e.getKey()))).append(": ").append(json(e.getValue()));
            }
            return b.append('}').toString();
        }
        if (o instanceof List<?> l) {
            StringBuilder b = new StringBuilder("[");
            for (Object x : l) {
                if (b.length() > 1) {
                    b.append(", ");
                }
                b.append(json(x));
            }
            return b.append(']').toString();
        }
        if (o instanceof Number || o instanceof Boolean) {
            return String.valueOf(o);
        }
        return '"' + String.valueOf(o).replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + '"';
    }
}
