package dev.courier.transport.nats;

import dev.courier.testkit.RestartableBroker;
import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A {@code nats-server -js} process of the test's own, on a free port with its own store
 * directory, so restarting it never disturbs the shared server. {@link #stop()} kills it
 * ({@code SIGKILL}, a crash); {@link #start()} starts it again on the same port and store.
 */
final class NatsServerProcess implements RestartableBroker, AutoCloseable {

    static final String BINARY = System.getenv().getOrDefault("NATS_SERVER_BIN", "/usr/sbin/nats-server");

    private final int port;
    private final Path store;
    private final String urlOptions;
    private final List<String> extraArguments;
    private Process process;

    /** Starts a server; {@code urlOptions} (such as {@code ?ackWait=5s}) are appended to {@link #url()}. */
    NatsServerProcess(String urlOptions) throws Exception {
        this(urlOptions, List.of());
    }

    /**
     * Starts a server with {@code extraArguments} added to its command line, such as
     * {@code --tls --tlscert …}; with {@code --tls}, {@link #url()} is a {@code tls://} URL.
     */
    NatsServerProcess(String urlOptions, List<String> extraArguments) throws Exception {
        this.port = freePort();
        this.store = Files.createTempDirectory("courier-nats-store");
        this.urlOptions = urlOptions;
        this.extraArguments = List.copyOf(extraArguments);
        start();
    }

    /**
     * A server for a suite's restart scenario: skips the test (fails it under CI) when there is no
     * {@code nats-server} binary.
     */
    static NatsServerProcess forRestarts(String urlOptions) {
        dev.courier.testkit.Brokers.requireTool(available(), "no nats-server binary at " + BINARY + " (set NATS_SERVER_BIN)");
        try {
            return new NatsServerProcess(urlOptions);
        } catch (Exception e) {
            throw new AssertionError("could not start a nats-server of the test's own", e);
        }
    }

    static boolean available() {
        return new File(BINARY).canExecute();
    }

    @Override
    public String url() {
        return (extraArguments.contains("--tls") ? "tls" : "nats") + "://127.0.0.1:" + port + urlOptions;
    }

    int port() {
        return port;
    }

    @Override
    public synchronized void stop() throws Exception {
        if (process == null) {
            return;
        }
        process.destroyForcibly();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException("nats-server on port " + port + " did not die");
        }
        process = null;
    }

    @Override
    public synchronized void start() throws Exception {
        if (process != null && process.isAlive()) {
            return;
        }
        Path log = store.resolve("server.log");
        List<String> command = new ArrayList<>(List.of(BINARY, "-a", "127.0.0.1", "-p", Integer.toString(port), "-js",
                "-sd", store.toString()));
        command.addAll(extraArguments);
        process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!accepts()) {
            if (!process.isAlive()) {
                throw new IllegalStateException("nats-server on port " + port + " exited: " + Files.readString(log));
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("nats-server on port " + port + " did not start within 20 s");
            }
            // Waiting for a process to open its port: there is no event to wait on.
            process.waitFor(50, TimeUnit.MILLISECONDS);
        }
    }

    private boolean accepts() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void close() throws IOException {
        try {
            stop();
        } catch (Exception e) {
            throw new IOException("could not stop nats-server on port " + port, e);
        }
        try (Stream<Path> files = Files.walk(store)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
