package dev.courier.examples;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Command-line options of the example apps: {@code --name value} pairs and {@code --flag}s, with
 * the broker URL defaulting to {@code $COURIER_URL}, else {@code memory://}.
 */
final class Options {

    private static final Set<String> FLAGS = Set.of("help", "verbose", "serve");

    private final Map<String, String> values = new HashMap<>();

    private Options() {
    }

    static Options parse(String[] args, int from, Set<String> known) {
        Options options = new Options();
        for (int i = from; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("--")) {
                throw new UsageException("unexpected argument '" + arg + "'");
            }
            String name = arg.substring(2);
            String value;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            } else if (FLAGS.contains(name)) {
                value = "true";
            } else if (i + 1 < args.length) {
                value = args[++i];
            } else {
                throw new UsageException("option --" + name + " needs a value");
            }
            if (!known.contains(name) && !FLAGS.contains(name)) {
                throw new UsageException("unknown option --" + name);
            }
            options.values.put(name, value);
        }
        return options;
    }

    String broker() {
        String env = System.getenv("COURIER_URL");
        return values.getOrDefault("broker", env != null && !env.isBlank() ? env : "memory://");
    }

    /**
     * The JDBC URL of the application database: {@code --db}, else an H2 file database under the
     * temporary directory (embedded, nothing to install).
     */
    String database() {
        String fallback = "jdbc:h2:file:" + java.nio.file.Path.of(System.getProperty("java.io.tmpdir"),
                "courier-signup-api", "users").toAbsolutePath() + ";DB_CLOSE_DELAY=-1";
        return values.getOrDefault("db", fallback);
    }

    boolean flag(String name) {
        return values.containsKey(name);
    }

    int integer(String name, int fallback, int min) {
        String raw = values.get(name);
        if (raw == null) {
            return fallback;
        }
        try {
            int value = Integer.parseInt(raw);
            if (value < min) {
                throw new UsageException("--" + name + " must be at least " + min + ", was " + value);
            }
            return value;
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " must be a whole number, was '" + raw + "'");
        }
    }

    double fraction(String name, double fallback) {
        String raw = values.get(name);
        if (raw == null) {
            return fallback;
        }
        try {
            double value = Double.parseDouble(raw);
            if (value < 0 || value > 1) {
                throw new UsageException("--" + name + " must be between 0 and 1, was " + value);
            }
            return value;
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " must be a number between 0 and 1, was '" + raw + "'");
        }
    }

    /** Bad command-line input: printed as one line with the usage hint. */
    static final class UsageException extends RuntimeException {
        UsageException(String message) {
            super(message);
        }
    }
}
