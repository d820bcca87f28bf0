package dev.courier.examples;

import java.io.PrintStream;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * What every example app takes, declared for picocli: {@code --broker URL} (default
 * {@code $COURIER_URL}, else {@code memory://}) and {@code --verbose}. Each app declares its own
 * options in a subclass named {@code Options} and checks their ranges with {@link #whole} and
 * {@link #fraction}, so a bad value is reported in the app's words before anything runs.
 */
abstract class AppOptions implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--broker", paramLabel = "URL", defaultValue = "${env:COURIER_URL:-memory://}",
            description = "memory:// (default, or $COURIER_URL), kafka://127.0.0.1:9092, amqp://guest:guest@127.0.0.1:5672/, "
                    + "nats://127.0.0.1:4222")
    private String broker;

    @Option(names = "--verbose", description = "log what Courier does, and show stack traces on errors")
    boolean verbose;

    /** Where the app prints; set by {@link Main} before it runs. */
    PrintStream out = System.out;

    String broker() {
        return broker == null || broker.isBlank() ? "memory://" : broker;
    }

    /** Runs the app with these options. */
    abstract int run(PrintStream out) throws Exception;

    @Override
    public Integer call() throws Exception {
        return run(out);
    }

    /** {@code value} of {@code option} as a whole number of at least {@code min}. */
    int whole(String option, String value, int min) {
        int parsed;
        try {
            parsed = Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new ParameterException(spec.commandLine(), option + " must be a whole number, was '" + value + "'");
        }
        if (parsed < min) {
            throw new ParameterException(spec.commandLine(), option + " must be at least " + min + ", was " + parsed);
        }
        return parsed;
    }

    /** {@code value} of {@code option} as a number between 0 and 1. */
    double fraction(String option, String value) {
        double parsed;
        try {
            parsed = Double.parseDouble(value.trim());
        } catch (NumberFormatException e) {
            throw new ParameterException(spec.commandLine(), option + " must be a number between 0 and 1, was '" + value + "'");
        }
        if (!(parsed >= 0 && parsed <= 1)) {
            throw new ParameterException(spec.commandLine(), option + " must be between 0 and 1, was " + parsed);
        }
        return parsed;
    }
}
