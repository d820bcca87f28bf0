package dev.courier.cli;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code courier} command line for operators: dead-letter queues ({@code dlq list}, {@code show},
 * {@code replay}, {@code purge}), {@code publish}, {@code tail} and {@code health}, on every broker
 * Courier speaks, chosen by {@code --broker URL} or {@code COURIER_URL}.
 *
 * <p>Exit codes, for scripts: {@value #OK} done (for {@code health}: the bus is up),
 * {@value #FAILED} the broker refused, could not be reached or is not up, {@value #USAGE} the
 * command line is wrong, {@value #NOT_FOUND} a named dead letter is not in the queue.
 */
@Command(name = "courier", mixinStandardHelpOptions = true, versionProvider = Courier.Version.class,
        description = "Operate a Courier message bus: dead letters, publish, tail, health.",
        subcommands = {DlqCommand.class, PublishCommand.class, TailCommand.class, HealthCommand.class,
                CommandLine.HelpCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:done (health: the bus is up)", "1:the broker refused, is unreachable or not up",
                "2:wrong command line", "3:a named dead letter is not in the queue"})
public final class Courier {

    /** Done; for {@code health}: the bus is up. */
    public static final int OK = 0;
    /** The broker refused, could not be reached, or the bus is not up. */
    public static final int FAILED = 1;
    /** The command line is wrong (picocli's usage code). */
    public static final int USAGE = 2;
    /** A dead letter named on the command line is not in the queue. */
    public static final int NOT_FOUND = 3;

    private Courier() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs one command line, printing to {@code out} and {@code err}; returns the exit code. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        CommandLine commandLine = new CommandLine(Courier.class);
        commandLine.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
        commandLine.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
        commandLine.setExecutionExceptionHandler((failure, line, parsed) -> {
            int code = exitCode(failure);
            line.getErr().println("error: " + (failure.getMessage() == null ? failure : failure.getMessage()));
            line.getErr().flush();
            return code;
        });
        int code = commandLine.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    private static int exitCode(Exception failure) {
        if (failure instanceof CommandFailure given) {
            return given.exitCode();
        }
        // a malformed URL or option value is the command line's fault; anything else the broker's
        return failure instanceof IllegalArgumentException ? USAGE : FAILED;
    }

    /** A failure with its exit code and a message for the operator (no stack trace). */
    static final class CommandFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final int exitCode;

        CommandFailure(int exitCode, String message) {
            super(message);
            this.exitCode = exitCode;
        }

        int exitCode() {
            return exitCode;
        }
    }

    /** The version from the jar's manifest, when there is one. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = Courier.class.getPackage().getImplementationVersion();
            return new String[] {"courier " + (version == null ? "(development build)" : version)};
        }
    }
}
