package org.peerpool.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import javax.management.JMException;
import javax.management.ObjectName;

/**
 * The operator commands of {@code bin/peerpool} against a running node (DESIGN.md
 * A4): {@code peers [--json]}, {@code info [--json]}, {@code disconnect PEER},
 * {@code connect PEER} and {@code reload}. The script finds and checks the node's pid;
 * this connects by local attach to that pid, or over remote JMX when given a port
 * (falling back to the pid if the port does not answer). Exit codes: 0 done, 1 the
 * node refused or could not be asked, 2 wrong arguments, 3 no node runs; a failure
 * is one line on stderr.
 *
 * <pre>java -cp ... org.peerpool.cli.Ctl [--pid PID] [--jmx HOST:PORT] COMMAND [PEER] [--json]</pre>
 */
public final class Ctl {

    public static final int EXIT_OK = 0;
    public static final int EXIT_REFUSED = 1;
    public static final int EXIT_USAGE = 2;
    public static final int EXIT_NOT_RUNNING = 3;

    private static final String USAGE = "usage: bin/peerpool peers [--json] | info [--json] | mesh [--json] | disconnect PEER"
            + " | connect PEER | reload";

    private Ctl() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** What one invocation asked for. */
    record Request(long pid, String jmx, String command, String peer, boolean json) {
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        Request r;
        try {
            r = parse(args);
        } catch (IllegalArgumentException e) {
            err.println("peerpool: " + e.getMessage());
            err.println(USAGE);
            return EXIT_USAGE;
        }
        try (OperatorClient client = connect(r)) {
            return execute(r, client, out, err);
        } catch (OperatorClient.Unreachable e) {
            err.println("peerpool: " + e.getMessage());
            return e.exitCode();
        } catch (OperatorClient.Refused e) {
            err.println("peerpool: the node refused: " + e.getMessage());
            return EXIT_REFUSED;
        } catch (IOException | JMException e) {
            err.println("peerpool: JMX failed: " + e);
            return EXIT_REFUSED;
        }
    }

    static Request parse(String[] args) {
        long pid = -1;
        String jmx = null;
        boolean json = false;
        List<String> words = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--pid" -> pid = pid(value(args, ++i, "--pid"));
                case "--jmx" -> jmx = value(args, ++i, "--jmx");
                case "--json" -> json = true;
                default -> words.add(args[i]);
            }
        }
        if (pid < 0 && jmx == null) {
            throw new IllegalArgumentException("no node given (--pid PID or --jmx HOST:PORT[@LOGINFILE])");
        }
        if (words.isEmpty()) {
            throw new IllegalArgumentException("no command given");
        }
        String command = words.get(0);
        int want = switch (command) {
            case "peers", "info", "mesh", "reload" -> 0;
            case "disconnect", "connect" -> 1;
            default -> throw new IllegalArgumentException("unknown command '" + command + "'");
        };
        if (words.size() - 1 != want) {
            throw new IllegalArgumentException(command + (want == 0 ? " takes no argument" : " takes one PEER (IP:PORT)"));
        }
        if (json && !List.of("peers", "info", "mesh").contains(command)) {
            throw new IllegalArgumentException("--json is for peers, info and mesh");
        }
        return new Request(pid, jmx, command, want == 1 ? words.get(1) : null, json);
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }

    private static long pid(String text) {
        try {
            long p = Long.parseLong(text);
            if (p > 0) {
                return p;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("--pid: '" + text + "' (expected: a process id, 1+)");
    }

    private static OperatorClient connect(Request r) throws OperatorClient.Unreachable {
        if (r.jmx() == null) {
            return OperatorClient.attach(r.pid());
        }
        try {
            return OperatorClient.remote(OperatorClient.Target.parse(r.jmx()));
        } catch (OperatorClient.Unreachable e) {
            if (r.pid() < 0) {
                throw e;
            }
            return OperatorClient.attach(r.pid());
        }
    }

    private static int execute(Request r, OperatorClient client, PrintStream out, PrintStream err)
            throws IOException, JMException, OperatorClient.Refused {
        ObjectName pool = client.pool();
        switch (r.command()) {
            case "peers" -> {
                List<Map<String, Object>> rows = PeersTable.read(client, pool);
                if (r.json()) {
                    out.println(PeersTable.json(rows));
                } else {
                    PeersTable.print(rows, out);
                }
            }
            case "info" -> {
                Map<String, Object> info = InfoReport.read(client, pool);
                if (r.json()) {
                    out.println(InfoReport.json(info));
                } else {
                    InfoReport.print(info, out);
                }
            }
            case "mesh" -> {
                MeshReport.Mesh mesh = MeshReport.read(client, pool);
                if (r.json()) {
                    out.println(MeshReport.json(mesh));
                } else {
                    MeshReport.print(mesh, out);
                }
                // Like a failed check: a pair that should be up is down.
                return mesh.in(MeshReport.State.MISSING).isEmpty() ? EXIT_OK : EXIT_REFUSED;
            }
            case "disconnect" -> out.println(client.invoke(pool, "disconnect", r.peer()));
            case "connect" -> out.println(client.invoke(pool, "connectNow", r.peer()));
            case "reload" -> {
                return reload(client, pool, out, err);
            }
            default -> throw new IllegalStateException("parse() let through " + r.command());
        }
        return EXIT_OK;
    }

    /**
     * Reloads now. A rejected file is the node refusing, so exit 1 with its reason; that
     * includes a file the node's watcher rejected a moment before this asked (the answer
     * is then "unchanged", but the file on disk is not in force).
     */
    private static int reload(OperatorClient client, ObjectName pool, PrintStream out, PrintStream err)
            throws IOException, JMException, OperatorClient.Refused {
        ObjectName config = client.config(pool);
        if (config == null) {
            throw new OperatorClient.Refused(client.target() + " runs without a watched config file; nothing to reload");
        }
        Object before = client.read(config, "RejectedCount").get("RejectedCount");
        Object answer = client.invoke(config, "reload");
        Map<String, Object> after = client.read(config, "RejectedCount", "LastError");
        if (before != null && !before.equals(after.get("RejectedCount"))) {
            err.println("peerpool: " + answer);
            return EXIT_REFUSED;
        }
        Object lastError = after.get("LastError");
        if (lastError != null && !lastError.toString().isEmpty()) {
            err.println("peerpool: the file was rejected; the previous configuration stays in force: " + lastError);
            return EXIT_REFUSED;
        }
        out.println(answer);
        return EXIT_OK;
    }
}
