package dev.courier.examples;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import dev.courier.api.CourierException;
import java.io.PrintStream;
import java.util.Locale;
import org.slf4j.LoggerFactory;

/**
 * The example apps, one subcommand each. Every app takes {@code --broker URL} (default
 * {@code $COURIER_URL}, else {@code memory://}), so the same code runs on any broker.
 */
public final class Main {

    static final String USAGE = """
            usage: java -jar courier-examples.jar <app> [options]

            apps:
              user-signup   publish/subscribe: UserCreated reaches an email and an analytics service
                            options: --count N (1000) --timeout SECONDS (60)
              thumbnails    work queue: workers render jobs, transient failures are retried,
                            poison jobs are dead-lettered and listed
                            options: --count N (200) --workers N (4) --fail-rate F (0.1)
                                     --poison-every N (25, 0 for none) --timeout SECONDS (60)
              signup-api    HTTP front (POST /users), asynchronous back; drives itself with
                            --count requests (100) unless --serve; --port N (0 = any, 8080 with --serve)
                            --db JDBC-URL (an H2 file): the user and its event commit together
                            (outbox), the email service runs each event once (inbox)

            common options:
              --broker URL  memory:// (default, or $COURIER_URL), kafka://127.0.0.1:9092,
                            amqp://guest:guest@127.0.0.1:5672/, nats://127.0.0.1:4222
              --verbose     log what Courier does, and show stack traces on errors
              --help        this text
            """;

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        boolean verbose = java.util.Arrays.asList(args).contains("--verbose");
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).setLevel(verbose ? Level.INFO : Level.WARN);
        // the apps list dead letters themselves; without --verbose the per-letter warning is noise
        ((Logger) LoggerFactory.getLogger("dev.courier.internal.DeadLetterStep")).setLevel(verbose ? Level.INFO : Level.ERROR);
        // broker clients log every failed reconnect attempt; the apps report the outcome in one line
        for (String client : new String[] {"org.apache.kafka", "io.nats", "com.rabbitmq"}) {
            ((Logger) LoggerFactory.getLogger(client)).setLevel(verbose ? Level.INFO : Level.ERROR);
        }
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("help")) {
            (args.length == 0 ? err : out).print(USAGE);
            return args.length == 0 ? 64 : 0;
        }
        String app = args[0].toLowerCase(Locale.ROOT);
        try {
            switch (app) {
                case "user-signup": {
                    Options options = Options.parse(args, 1, UserSignupApp.OPTIONS);
                    return options.flag("help") ? help(out) : UserSignupApp.run(options, out);
                }
                case "thumbnails": {
                    Options options = Options.parse(args, 1, ThumbnailsApp.OPTIONS);
                    return options.flag("help") ? help(out) : ThumbnailsApp.run(options, out);
                }
                case "signup-api": {
                    Options options = Options.parse(args, 1, SignupApiApp.OPTIONS);
                    return options.flag("help") ? help(out) : SignupApiApp.run(options, out);
                }
                default:
                    err.println("error: unknown app '" + args[0] + "'; try --help");
                    return 64;
            }
        } catch (Options.UsageException e) {
            err.println("error: " + e.getMessage() + "; try --help");
            return 64;
        } catch (AppFailure e) {
            err.println("FAILED: " + e.getMessage());
            return 1;
        } catch (CourierException | IllegalArgumentException e) {
            err.println("error: " + e.getMessage());
            if (verbose) {
                e.printStackTrace(err);
            }
            return 2;
        } catch (Exception e) {
            err.println("error: " + e);
            if (verbose) {
                e.printStackTrace(err);
            }
            return 1;
        }
    }

    private static int help(PrintStream out) {
        out.print(USAGE);
        return 0;
    }

    /** The URL with any password replaced by {@code ***}, for printing. */
    static String redact(String url) {
        return url.replaceAll("(://[^/@:]*:)[^/@]*@", "$1***@");
    }
}
