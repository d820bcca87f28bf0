package dev.courier.transport.aws;

import dev.courier.testkit.Brokers;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A {@code moto_server} (the AWS emulator, on {@code PATH} or at {@code MOTO_SERVER_BIN}) of the
 * tests' own on a free port, started once per test JVM and killed when it exits. Under
 * {@code CI=true} a missing binary fails the test; elsewhere it skips it.
 *
 * <p>With {@code -Paws-real} ({@code courier.aws.real=true}) there is no emulator: {@link #url()}
 * is {@code aws://<courier.aws.region>} and the SDK's default chain supplies the credentials.
 *
 * <p>The emulator takes any credentials: this class sets dummy ones as the system properties the
 * SDK's default chain reads, so tests connect with plain {@code aws://us-east-1?endpoint=...} URLs.
 * Public for the examples' tests (a test-jar).
 */
public final class MotoServer {

    /** Whether the suites run against real AWS ({@code -Paws-real}). */
    static final boolean REAL_AWS = Boolean.getBoolean("courier.aws.real");
    static final String REGION = System.getProperty("courier.aws.region", "us-east-1");

    /** How long a publish may take on the emulator, which slows down as backlogs grow. */
    static final java.time.Duration PUBLISH_TIMEOUT = java.time.Duration.ofSeconds(90);

    /** A suite's bus options: {@code onRealAws} against AWS, on the emulator the default ones with {@link #PUBLISH_TIMEOUT}. */
    static dev.courier.api.BusOptions busOptions(dev.courier.api.BusOptions onRealAws) {
        return REAL_AWS ? onRealAws : dev.courier.api.BusOptions.defaults().withPublishTimeout(PUBLISH_TIMEOUT);
    }

    private static Process process;
    private static int port;

    private MotoServer() {
    }

    /** Where the binary is, or {@code null}. */
    static String binary() {
        String given = System.getenv("MOTO_SERVER_BIN");
        if (given != null) {
            return new File(given).canExecute() ? given : null;
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            File candidate = new File(dir, "moto_server");
            if (candidate.canExecute()) {
                return candidate.getPath();
            }
        }
        return null;
    }

    /** Fails (under CI) or skips the test when there is no moto_server; starts it once. */
    public static synchronized void require() {
        if (REAL_AWS) {
            return;
        }
        String binary = binary();
        Brokers.requireTool(binary != null, "no moto_server on PATH (pip install 'moto[server]', or set MOTO_SERVER_BIN)");
        if (process != null && process.isAlive()) {
            return;
        }
        System.setProperty("aws.accessKeyId", "courier-test");
        System.setProperty("aws.secretAccessKey", "courier-test-key");
        try {
            port = freePort();
            Path log = Files.createTempFile("courier-moto", ".log");
            process = new ProcessBuilder(command(binary))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
            Process started = process;
            Runtime.getRuntime().addShutdownHook(new Thread(started::destroyForcibly, "moto-server-stop"));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!accepts(port)) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("moto_server on port " + port + " exited: " + Files.readString(log));
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("moto_server on port " + port + " did not start within 30 s");
                }
                // Waiting for a process to open its port: there is no event to wait on.
                process.waitFor(50, TimeUnit.MILLISECONDS);
            }
        } catch (IOException | InterruptedException e) {
            throw new AssertionError("could not start moto_server", e);
        }
    }

    /**
     * The launcher the tests run moto's server module through ({@code moto_server.py} beside this
     * class): moto 5's {@code ReceiveMessage} takes no lock, so two receives on one queue at the same
     * moment can both take the same message, which SQS never does within the visibility timeout; the
     * launcher serialises them. It also removes moto's per-message scans of the whole queue (each
     * send and receive counted the queue's messages several times), which made moto 20 to 300 times
     * slower as a backlog grew, without changing what any call answers; the script says what it
     * measured. Where the Python that has moto is not found, the plain {@code moto_server}.
     */
    private static String launcher() throws IOException {
        try (var in = MotoServer.class.getResourceAsStream("moto_server.py")) {
            if (in == null) {
                throw new IOException("moto_server.py is not on the test class path");
            }
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    private static List<String> command(String binary) throws IOException, InterruptedException {
        List<String> arguments = List.of("-H", "127.0.0.1", "-p", Integer.toString(port));
        String firstLine;
        try (var lines = Files.lines(Path.of(binary))) {
            firstLine = lines.findFirst().orElse("");
        } catch (java.io.UncheckedIOException | IOException notText) {
            firstLine = "";
        }
        String python = firstLine.startsWith("#!") && firstLine.contains("python") ? firstLine.substring(2).trim() : "python3";
        Process probe = new ProcessBuilder(python, "-c", "import moto.server, moto.sqs.models").redirectErrorStream(true).start();
        probe.getInputStream().readAllBytes();
        if (probe.waitFor(60, TimeUnit.SECONDS) && probe.exitValue() == 0) {
            List<String> command = new ArrayList<>(List.of(python, "-c", launcher()));
            command.addAll(arguments);
            return command;
        }
        List<String> command = new ArrayList<>(List.of(binary));
        command.addAll(arguments);
        return command;
    }

    /** The emulator's port. */
    static int port() {
        require();
        return port;
    }

    /** The endpoint option's value: the emulator, or AWS's own (none) with {@code -Paws-real}. */
    static String endpoint() {
        return "http://127.0.0.1:" + port();
    }

    /**
     * The URL of the emulator (or of real AWS), with {@code options} ({@code a=b&c=d}) appended. On
     * the emulator consumers short-poll ({@code waitTime=0s}): moto answers a long poll on a FIFO
     * queue whose visible messages all belong to groups in flight by spinning until the wait ends,
     * without noticing groups freed meanwhile, which starves everything else it serves.
     */
    public static String url(String options) {
        if (REAL_AWS) {
            return "aws://" + REGION + (options.isEmpty() ? "" : "?" + options);
        }
        return "aws://" + REGION + "?endpoint=" + endpoint() + "&waitTime=0s" + (options.isEmpty() ? "" : "&" + options);
    }

    public static String url() {
        return url("");
    }

    /** The URL of the emulator reached through a proxy on the loopback {@code port}. */
    static String urlThrough(int port) {
        return "aws://" + REGION + "?endpoint=http://127.0.0.1:" + port + "&waitTime=0s";
    }

    /** A prefix no other run uses, legal in every Courier name. */
    static String uniquePrefix() {
        return "aw" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static boolean accepts(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
