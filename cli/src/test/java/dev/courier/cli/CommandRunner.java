package dev.courier.cli;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

/**
 * Runs {@code courier} as a user would: a separate JVM ({@link #subprocess()}) reading nothing but
 * the command line and printing to stdout/stderr; for {@code memory://}, whose broker lives in the
 * test's JVM, the same entry point on a thread of this JVM ({@link #inProcess()}).
 */
interface CommandRunner {

    Duration TIMEOUT = Duration.ofSeconds(90);

    /** A started command: what it printed so far, its exit code once it ended. */
    interface Started {
        String out();

        String err();

        /** Waits for the end; fails the test after {@link #TIMEOUT}. */
        int waitFor();

        /** SIGKILL: the process ends at once, cleaning nothing up. */
        void kill();

        boolean isAlive();
    }

    /** What a finished command printed and returned. */
    record Run(int exitCode, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    Started start(String... args);

    default Run run(String... args) {
        Started started = start(args);
        int code = started.waitFor();
        return new Run(code, started.out(), started.err());
    }

    /**
     * {@code java -cp <the test classpath> dev.courier.cli.Courier args...}, the classpath's
     * directories packed into jars ({@link ClassDataSharing#classPath()}).
     */
    static CommandRunner subprocess() {
        return subprocess(null);
    }

    /**
     * {@link #subprocess()}, the command JVMs sharing the class data of the first one
     * ({@link ClassDataSharing}) under the name {@code archive}; null for none.
     */
    static CommandRunner subprocess(String archive) {
        return args -> {
            ClassDataSharing.Use sharing = archive == null ? null : ClassDataSharing.use(archive);
            List<String> command = new ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-XX:TieredStopAtLevel=1"));
            if (sharing != null) {
                command.addAll(sharing.flags());
            }
            command.addAll(List.of(
                    // the logging of the shipped jar, not the tests' (of which the classpath has two)
                    "-Dlogback.configurationFile=" + Path.of("target/classes/logback.xml").toAbsolutePath(),
                    "-cp", ClassDataSharing.classPath(), Courier.class.getName()));
            command.addAll(List.of(args));
            try {
                Process process = new ProcessBuilder(command).start();
                AtomicBoolean killed = new AtomicBoolean();
                if (sharing != null) {
                    process.onExit().thenRun(() -> sharing.ended(killed.get()));
                }
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                ByteArrayOutputStream err = new ByteArrayOutputStream();
                Thread outPump = pump(process.getInputStream(), out);
                Thread errPump = pump(process.getErrorStream(), err);
                return new Started() {
                    @Override
                    public String out() {
                        return text(out);
                    }

                    @Override
                    public String err() {
                        return text(err);
                    }

                    @Override
                    public int waitFor() {
                        try {
                            if (!process.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                                process.destroyForcibly();
                                fail("courier " + String.join(" ", args) + " did not end in " + TIMEOUT + "; printed:\n"
                                        + out() + err());
                            }
                            outPump.join(TIMEOUT.toMillis()); // they read to the end once the process is gone
                            errPump.join(TIMEOUT.toMillis());
                            return process.exitValue();
                        } catch (InterruptedException e) {
                            throw new IllegalStateException(e);
                        }
                    }

                    @Override
                    public void kill() {
                        killed.set(true);
                        process.destroyForcibly(); // SIGKILL on Linux
                        try {
                            process.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }

                    @Override
                    public boolean isAlive() {
                        return process.isAlive();
                    }
                };
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        };
    }

    /** {@link Courier#run} on a thread of this JVM, for {@code memory://}. */
    static CommandRunner inProcess() {
        return args -> {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int[] code = {-1};
            Thread thread = new Thread(() -> code[0] = Courier.run(args, new PrintStream(synced(out), true, StandardCharsets.UTF_8),
                    new PrintStream(synced(err), true, StandardCharsets.UTF_8)), "courier-in-process");
            thread.start();
            return new Started() {
                @Override
                public String out() {
                    return text(out);
                }

                @Override
                public String err() {
                    return text(err);
                }

                @Override
                public int waitFor() {
                    try {
                        thread.join(TIMEOUT.toMillis());
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    if (thread.isAlive()) {
                        fail("courier " + String.join(" ", args) + " did not end in " + TIMEOUT);
                    }
                    return code[0];
                }

                @Override
                public void kill() {
                    throw new UnsupportedOperationException("an in-process command cannot be killed");
                }

                @Override
                public boolean isAlive() {
                    return thread.isAlive();
                }
            };
        };
    }

    private static OutputStream synced(ByteArrayOutputStream target) {
        return new OutputStream() {
            @Override
            public void write(int b) {
                synchronized (target) {
                    target.write(b);
                }
            }

            @Override
            public void write(byte[] b, int off, int len) {
                synchronized (target) {
                    target.write(b, off, len);
                }
            }
        };
    }

    private static String text(ByteArrayOutputStream bytes) {
        synchronized (bytes) {
            return bytes.toString(StandardCharsets.UTF_8);
        }
    }

    private static Thread pump(InputStream in, ByteArrayOutputStream target) {
        OutputStream synced = synced(target);
        Thread pump = new Thread(() -> {
            try (in) {
                in.transferTo(synced);
            } catch (IOException closed) {
                // the process ended
            }
        }, "courier-output");
        pump.setDaemon(true);
        pump.start();
        return pump;
    }

    /** Waits for {@code condition}, polling, and fails naming {@code what} when it does not hold in time. */
    static void await(BooleanSupplier condition, String what) {
        Eventually.await(condition, TIMEOUT, what);
    }
}
