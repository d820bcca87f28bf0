package dev.courier.examples;

import dev.courier.api.CourierException;
import java.io.PrintStream;
import java.io.PrintWriter;
import picocli.CommandLine;

/**
 * Runs a picocli-annotated example app (the ones in their own modules under {@code examples/})
 * with the exit codes and one-line errors of {@link Main}: 0 done, 1 something was lost
 * ({@link AppFailure}, printed as {@code FAILED: ...}) or an unexpected error, 2 a Courier or
 * argument error ({@code error: ...}, no stack trace), 64 bad usage (the command should declare
 * {@code exitCodeOnInvalidInput = 64}).
 */
final class ExampleCommand {

    private ExampleCommand() {
    }

    static int execute(Object command, String[] args, PrintStream out, PrintStream err) {
        return new CommandLine(command)
                .setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true))
                .setExecutionExceptionHandler((e, cmd, parsed) -> {
                    if (e instanceof AppFailure) {
                        err.println("FAILED: " + e.getMessage());
                        return 1;
                    }
                    boolean known = e instanceof CourierException || e instanceof IllegalArgumentException;
                    err.println("error: " + (known ? e.getMessage() : e.toString()));
                    return known ? 2 : 1;
                })
                .execute(args);
    }
}
