package dev.courier.examples;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** Runs an example app's entry point in-process and captures what it printed (for the example modules' tests too). */
final class ExampleRun {

    /** An app's {@code run(args, out, err)}, returning its exit code. */
    @FunctionalInterface
    interface App {
        int run(String[] args, PrintStream out, PrintStream err);
    }

    private ExampleRun() {
    }

    static ExampleAppsTest.Run of(App app, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = app.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new ExampleAppsTest.Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
