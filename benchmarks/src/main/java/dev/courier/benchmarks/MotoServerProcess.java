package dev.courier.benchmarks;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A throw-away {@code moto_server} (the AWS emulator; on {@code PATH} or at {@code MOTO_SERVER_BIN})
 * for one benchmark run, on a free port, killed on close, started the way transport-aws's tests
 * start theirs ({@code MotoServer}): through transport-aws's patched launcher {@code moto_server.py}
 * (copied onto this module's class path by the build, see the pom, not kept here), which serialises
 * moto's receives and message-list updates (without it two receives can take the same message) and
 * removes moto's per-message scans of the whole queue (without it moto slows down 20 to 300 times as
 * a backlog grows). Where the Python that has moto is not found, the plain {@code moto_server}.
 */
final class MotoServerProcess implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(MotoServerProcess.class);

    private final int port;
    private final Process process;
    private final Path logFile;

    private MotoServerProcess(int port, Process process, Path logFile) {
        this.port = port;
        this.process = process;
        this.logFile = logFile;
    }

    /** Starts the emulator and waits until it accepts connections, for at most 30 s. */
    static MotoServerProcess start() throws IOException, InterruptedException {
        String binary = binary();
        if (binary == null) {
            throw new IOException("no moto_server on PATH (pip install 'moto[server]', or set MOTO_SERVER_BIN)");
        }
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        Path logFile = Files.createTempFile("courier-bench-moto", ".log");
        long started = System.nanoTime();
        Process process = new ProcessBuilder(command(binary, port)).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile())).start();
        // a run that ends without close (killed, System.exit) must not leave the emulator behind
        Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly, "moto-server-stop"));
        MotoServerProcess moto = new MotoServerProcess(port, process, logFile);
        try {
            moto.awaitReady();
        } catch (IOException | RuntimeException e) {
            moto.close();
            throw e;
        }
        log.info("moto_server ready at {} in {} ms (log in {})", moto.endpoint(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), logFile);
        return moto;
    }

    /** The endpoint for SNS and SQS: {@code http://127.0.0.1:<port>}. */
    String endpoint() {
        return "http://127.0.0.1:" + port;
    }

    private static String binary() {
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

    /** {@code python -c <launcher> -H 127.0.0.1 -p <port>} with the Python that has moto, else the binary itself. */
    private static List<String> command(String binary, int port) throws IOException, InterruptedException {
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
        List<String> command = new ArrayList<>();
        if (probe.waitFor(60, TimeUnit.SECONDS) && probe.exitValue() == 0) {
            command.addAll(List.of(python, "-c", launcher()));
        } else {
            log.warn("No Python with moto found for the patched launcher; running the plain {} (slower as backlogs grow)", binary);
            command.add(binary);
        }
        command.addAll(arguments);
        return command;
    }

    private static String launcher() throws IOException {
        try (InputStream in = MotoServerProcess.class.getResourceAsStream("/moto_server.py")) {
            if (in == null) {
                throw new IOException("moto_server.py is not on the class path (the benchmarks build copies it from transport-aws)");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private void awaitReady() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!accepts()) {
            if (!process.isAlive()) {
                throw new IOException("moto_server on port " + port + " exited: " + Files.readString(logFile));
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IOException("moto_server on port " + port + " did not start within 30 s; see " + logFile);
            }
            // a process opening its port: there is no event to wait on
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

    /** Kills the emulator (everything it held is gone with it). */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
