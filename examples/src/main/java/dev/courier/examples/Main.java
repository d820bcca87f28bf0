package dev.courier.examples;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import dev.courier.api.CourierException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The example apps, one subcommand each (picocli). Every app takes {@code --broker URL} (default
 * {@code $COURIER_URL}, else {@code memory://}), so the same code runs on any broker.
 */
@Command(name = "java -jar courier-examples.jar", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
        description = "Runnable Courier examples; the same code on every broker, chosen by --broker URL.",
        footer = {"", "Every app takes --broker URL (default $COURIER_URL, else memory://), --verbose and --help;",
                "for example --broker amqp://guest:guest@127.0.0.1:5672/ or nats://127.0.0.1:4222 or kafka://127.0.0.1:9092."})
public final class Main {

    /** Usage errors (picocli's are 2, which the apps use for a refused URL or option). */
    static final int USAGE = 64;

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        CommandLine commandLine = new CommandLine(new Main());
        for (AppOptions app : new AppOptions[] {new UserSignupApp.Options(), new ThumbnailsApp.Options(),
                new SignupApiApp.Options()}) {
            app.out = out;
            commandLine.addSubcommand(app);
        }
        if (args.length == 0) {
            commandLine.usage(err);
            return USAGE;
        }
        return execute(commandLine, args, out, err);
    }

    /**
     * Runs {@code commandLine} (these apps, or an example app with a module of its own) the way
     * every example runs: WARN logging unless {@code --verbose}, output to {@code out} and
     * {@code err}, bad usage as one line and {@link #USAGE}, failures as in {@link #failed}.
     */
    static int execute(CommandLine commandLine, String[] args, PrintStream out, PrintStream err) {
        boolean verbose = java.util.Arrays.asList(args).contains("--verbose");
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).setLevel(verbose ? Level.INFO : Level.WARN);
        // the apps list dead letters themselves; without --verbose the per-letter warning is noise
        ((Logger) LoggerFactory.getLogger("dev.courier.internal.DeadLetterStep")).setLevel(verbose ? Level.INFO : Level.ERROR);
        // broker clients log every failed reconnect attempt; the apps report the outcome in one line
        for (String client : new String[] {"org.apache.kafka", "io.nats", "com.rabbitmq"}) {
            ((Logger) LoggerFactory.getLogger(client)).setLevel(verbose ? Level.INFO : Level.ERROR);
        }
        commandLine.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
        commandLine.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
        commandLine.setParameterExceptionHandler((e, given) -> {
            err.println("error: " + e.getMessage() + "; try --help");
            return USAGE;
        });
        commandLine.setExecutionExceptionHandler((e, line, parsed) -> failed(e, verbose, err));
        return commandLine.execute(args);
    }

    private static int failed(Exception e, boolean verbose, PrintStream err) {
        if (e instanceof AppFailure) {
            err.println("FAILED: " + e.getMessage());
            return 1;
        }
        boolean refused = e instanceof CourierException || e instanceof IllegalArgumentException;
        err.println("error: " + (refused ? e.getMessage() : e));
        if (verbose) {
            e.printStackTrace(err);
        }
        return refused ? 2 : 1;
    }

    /** The URL with any password replaced by {@code ***}, for printing. */
    static String redact(String url) {
        return url.replaceAll("(://[^/@:]*:)[^/@]*@", "$1***@");
    }
}
