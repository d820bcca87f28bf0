package dev.courier.benchmarks;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A throw-away single-node KRaft broker for one benchmark run: transport-kafka's
 * {@code DevKafkaBroker} (compiled into this module from its source, see the pom) run as a child
 * JVM on this JVM's class path, on free ports, with a fresh data directory deleted on close. The
 * child exits by itself when this JVM dies (it watches its stdin pipe).
 */
final class KafkaBrokerProcess implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(KafkaBrokerProcess.class);
    private static final String LAUNCHER = "dev.courier.transport.kafka.DevKafkaBroker";

    private final Path dir;
    private final int port;
    private final Process process;

    private KafkaBrokerProcess(Path dir, int port, Process process) {
        this.dir = dir;
        this.port = port;
        this.process = process;
    }

    /** Starts the broker and waits until it answers, for at most 90 s. */
    static KafkaBrokerProcess start() throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("courier-bench-kafka-");
        int port;
        int controllerPort;
        try (ServerSocket a = new ServerSocket(); ServerSocket b = new ServerSocket()) {
            a.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            b.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            port = a.getLocalPort();
            controllerPort = b.getLocalPort();
        }
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xms256m", "-Xmx1g", "-Dlogback.configurationFile=kafka-broker-logback.xml",
                "-Djava.io.tmpdir=" + dir, "-cp", System.getProperty("java.class.path"), LAUNCHER,
                "--dir", dir.toString(), "--port", Integer.toString(port),
                "--controller-port", Integer.toString(controllerPort), "--exit-on-stdin-eof");
        File logFile = dir.resolve("broker.log").toFile();
        long started = System.nanoTime();
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile)).start();
        KafkaBrokerProcess broker = new KafkaBrokerProcess(dir, port, process);
        try {
            broker.awaitReady(logFile);
        } catch (IOException | RuntimeException e) {
            broker.close();
            throw e;
        }
        log.info("Kafka broker ready at {} in {} ms (data and log in {})", broker.bootstrap(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), dir);
        return broker;
    }

    String bootstrap() {
        return "127.0.0.1:" + port;
    }

    private void awaitReady(File logFile) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        Map<String, Object> config = Map.of("bootstrap.servers", bootstrap(), "request.timeout.ms", 2_000,
                "default.api.timeout.ms", 2_000, "reconnect.backoff.max.ms", 200);
        try (Admin admin = Admin.create(config)) {
            while (true) {
                if (!process.isAlive()) {
                    throw new IOException("the Kafka broker exited with code " + process.exitValue() + "; see " + logFile);
                }
                try {
                    admin.describeCluster(new DescribeClusterOptions().timeoutMs(2_000)).nodes().get(3, TimeUnit.SECONDS);
                    return;
                } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException notYet) {
                    if (System.nanoTime() - deadline > 0) {
                        throw new IOException("the Kafka broker did not start within 90 s; see " + logFile, notYet);
                    }
                    Thread.sleep(200);
                }
            }
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
        } catch (IOException ignored) {
            // best effort
        }
    }
}
