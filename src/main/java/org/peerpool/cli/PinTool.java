package org.peerpool.cli;

import java.io.PrintStream;
import java.nio.file.Path;

import org.peerpool.config.ConfigException;
import org.peerpool.config.ConfigLoader;
import org.peerpool.tls.KeystoreException;
import org.peerpool.tls.LocalKey;

/**
 * Prints a node's key pin (PROTOCOL.md section 7) for {@code bin/peerpool pin} and
 * {@code bin/peerpool keygen}: either of the keystore a config file names in
 * {@code [tls] keystore} (read by {@link ConfigLoader}, so a file the node would reject
 * gives its rejection, not a pin), or of one keystore file whose password comes in the
 * environment variable {@code PEERPOOL_KEYSTORE_PASSWORD} (never on the command line,
 * where {@code ps} shows it). The pin is computed by {@link LocalKey}, the same code the
 * node uses, so the printed pin is the one its peers will see. Prints the pin alone on
 * stdout and exits 0; a missing or unusable keystore is one line on stderr and exit 1.
 *
 * <pre>java -cp ... org.peerpool.cli.PinTool CONFIG_FILE
 * PEERPOOL_KEYSTORE_PASSWORD=... java -cp ... org.peerpool.cli.PinTool --keystore FILE</pre>
 */
public final class PinTool {

    public static final int EXIT_OK = 0;
    public static final int EXIT_NO_KEY = 1;
    public static final int EXIT_USAGE = 2;

    static final String PASSWORD_ENV = "PEERPOOL_KEYSTORE_PASSWORD";

    private static final String USAGE = "usage: PinTool CONFIG_FILE | PinTool --keystore FILE"
            + " (password in $" + PASSWORD_ENV + ")";

    private PinTool() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.getenv(PASSWORD_ENV), System.out, System.err));
    }

    static int run(String[] args, String envPassword, PrintStream out, PrintStream err) {
        try {
            LocalKey key;
            if (args.length == 2 && args[0].equals("--keystore")) {
                if (envPassword == null) {
                    err.println("peerpool: " + PASSWORD_ENV + " is not set (the password of " + args[1] + ")");
                    return EXIT_USAGE;
                }
                key = LocalKey.load(Path.of(args[1]), envPassword.toCharArray());
            } else if (args.length == 1 && !args[0].startsWith("-")) {
                key = keyInForce(Path.of(args[0]));
            } else {
                err.println(USAGE);
                return EXIT_USAGE;
            }
            out.println(key.pin());
            return EXIT_OK;
        } catch (KeystoreException | ConfigException | NoKeystore e) {
            err.println("peerpool: " + e.getMessage());
            return EXIT_NO_KEY;
        }
    }

    /** The key the config file names, loaded as the node loads it. */
    private static LocalKey keyInForce(Path configFile) throws ConfigException, NoKeystore {
        LocalKey key = ConfigLoader.load(configFile).tls().localKey();
        if (key == null) {
            throw new NoKeystore(configFile + " has no [tls] keystore, so this node has no key;"
                    + " 'bin/peerpool keygen' makes one");
        }
        return key;
    }

    /** The config file names no keystore: nothing to print a pin of. */
    static final class NoKeystore extends Exception {
        private static final long serialVersionUID = 1L;

        NoKeystore(String message) {
            super(message);
        }
    }
}
