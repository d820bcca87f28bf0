package dev.courier.transport.kafka;

import dev.courier.spi.Destination;
import dev.courier.testkit.Brokers;
import dev.courier.testkit.RestartableBroker;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Kafka broker the tests use: a real single-node KRaft broker ({@link DevKafkaBroker}) run as a
 * child process on the test classpath, on free ports picked at start and kept across restarts, so
 * {@link #stop()} and {@link #start()} give the restart scenario a real broker going away and coming
 * back (a clean stop shuts the broker down inside its process and starts a new one there, sparing
 * a JVM start; a crash kills the process). One broker is started per test JVM ({@link #shared()}) and stopped when the JVM exits; the
 * child also exits by itself when the test JVM dies (it watches its stdin pipe).
 *
 * <p>With the environment variable {@code COURIER_KAFKA_BOOTSTRAP} ({@code host:port[,...]}) the
 * tests use that broker instead, and only the restart test starts a broker of its own.
 */
public final class KafkaTestBroker implements RestartableBroker {

    /** Client settings for tests: quick failure detection, so group changes settle fast. */
    public static final String TEST_OPTIONS = "kafka.consumer.session.timeout.ms=6000";

    private static final Logger log = LoggerFactory.getLogger(KafkaTestBroker.class);
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);
    /** How long the broker's metadata may take to list a topic just created. */
    private static final Duration FENCE_TIMEOUT = Duration.ofSeconds(30);
    private static KafkaTestBroker shared;

    private final Path dir;
    private final int port;
    private final int controllerPort;
    private final Path logFile;
    private Process process;
    /** Whether the broker in {@link #process} runs (false after a clean {@link #stop()}, which keeps the process). */
    private boolean serving;

    private KafkaTestBroker(Path dir, int port, int controllerPort, Path logFile) {
        this.dir = dir;
        this.port = port;
        this.controllerPort = controllerPort;
        this.logFile = logFile;
    }

    /** The bootstrap servers of the broker every test shares: {@code COURIER_KAFKA_BOOTSTRAP}, or this JVM's own. */
    public static String bootstrapServers() {
        String external = System.getenv("COURIER_KAFKA_BOOTSTRAP");
        if (external != null && !external.isBlank()) {
            return external.trim();
        }
        return shared().bootstrap();
    }

    /** A {@code kafka://} URL of the shared broker with the test options, after checking it is reachable. */
    public static String sharedUrl() {
        String servers = bootstrapServers();
        String first = servers.split(",")[0];
        int colon = first.lastIndexOf(':');
        Brokers.requireReachable("Kafka", first.substring(0, colon), Integer.parseInt(first.substring(colon + 1)));
        return "kafka://" + servers + "?" + TEST_OPTIONS;
    }

    /**
     * Whether the topic of {@code destination} is listed by the shared broker's admin client once the
     * broker's metadata holds everything the cluster committed before this call (a deletion that
     * returned is then no longer listed): the {@link dev.courier.testkit.BrokerProbe} of the Kafka
     * suites. It creates a fence topic and asks until the listing shows it: a broker applies the
     * metadata log in order, so a listing with the fence is newer than any earlier deletion, and
     * the answer needs no fixed wait for the metadata to settle.
     */
    public static boolean exists(Destination destination) throws Exception {
        String topic = KafkaNames.topic(destination);
        String fence = "courier-probe-fence-" + UUID.randomUUID();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(fence, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
            try {
                long deadline = System.nanoTime() + FENCE_TIMEOUT.toNanos();
                while (true) {
                    Set<String> names = admin.listTopics().names().get(30, TimeUnit.SECONDS);
                    if (names.contains(fence)) {
                        return names.contains(topic);
                    }
                    if (System.nanoTime() > deadline) {
                        throw new AssertionError("the broker's metadata did not list the fence topic " + fence + " within "
                                + FENCE_TIMEOUT);
                    }
                    Thread.sleep(20); // the poll interval of a wait on the broker's metadata
                }
            } finally {
                admin.deleteTopics(List.of(fence)).all().get(30, TimeUnit.SECONDS);
            }
        }
    }

    /** The broker started by this JVM for every test, started on first use. */
    public static synchronized KafkaTestBroker shared() {
        if (shared == null) {
            shared = startNew("shared");
            KafkaTestBroker broker = shared;
            Runtime.getRuntime().addShutdownHook(new Thread(broker::destroy, "kafka-test-broker-stop"));
        }
        return shared;
    }

    /**
     * The broker the restart test may stop and start: the shared one when this JVM started it, else
     * (an external broker is in use) one of its own.
     */
    public static synchronized KafkaTestBroker restartable() {
        String external = System.getenv("COURIER_KAFKA_BOOTSTRAP");
        if (external == null || external.isBlank()) {
            return shared();
        }
        KafkaTestBroker own = startNew("restart");
        Runtime.getRuntime().addShutdownHook(new Thread(own::destroy, "kafka-restart-broker-stop"));
        return own;
    }

    /** Starts a new broker on free ports with a fresh data directory. */
    static KafkaTestBroker startNew(String name) {
        try {
            Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
            Files.createDirectories(tmp);
            Path dir = Files.createTempDirectory(tmp, "courier-kafka-" + name + "-");
            Path target = Path.of("target");
            String fork = System.getProperty("courier.kafka.fork", ""); // set by surefire: one broker per test JVM
            Path logFile = (Files.isDirectory(target) ? target : dir)
                    .resolve("kafka-broker-" + name + (fork.isEmpty() ? "" : "-fork" + fork) + ".log");
            int[] ports = freePorts(2);
            KafkaTestBroker broker = new KafkaTestBroker(dir, ports[0], ports[1], logFile);
            broker.start();
            return broker;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code 127.0.0.1:port}. */
    public String bootstrap() {
        return "127.0.0.1:" + port;
    }

    @Override
    public String url() {
        return "kafka://" + bootstrap() + "?" + TEST_OPTIONS;
    }

    @Override
    public synchronized void start() throws IOException {
        long started = System.nanoTime();
        if (process != null && process.isAlive()) {
            if (!serving) {
                command("start"); // the process is up, its broker was stopped: start it again in place
                awaitReady();
                serving = true;
                log.info("Kafka test broker at {} started again in {} ms", bootstrap(),
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
            }
            return;
        }
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xms128m", "-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-Dlogback.configurationFile=kafka-broker-logback.xml",
                "-Djava.io.tmpdir=" + dir,
                "-cp", testClasspath(),
                DevKafkaBroker.class.getName(),
                "--dir", dir.toString(), "--port", Integer.toString(port),
                "--controller-port", Integer.toString(controllerPort), "--exit-on-stdin-eof"));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        process = builder.start();
        awaitReady();
        serving = true;
        log.info("Kafka test broker ready at {} in {} ms (data {}, log {})", bootstrap(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), dir, logFile.toAbsolutePath());
    }

    /**
     * Stops the broker: a clean shutdown (as SIGTERM or a rolling restart does: controlled shutdown,
     * sockets closed, logs flushed) inside its process, which stays up so {@link #start()} need not
     * start a new JVM; or, when the system property {@code courier.kafka.crash} is {@code true}, a
     * crash: SIGKILL of the process, whose broker recovers its log on start.
     */
    @Override
    public synchronized void stop() throws InterruptedException {
        if (process == null) {
            return;
        }
        if (Boolean.getBoolean("courier.kafka.crash") || !process.isAlive()) {
            terminate(true);
            return;
        }
        if (serving) {
            Path stopped = dir.resolve(DevKafkaBroker.STOPPED);
            try {
                Files.deleteIfExists(stopped);
                command("stop");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!Files.exists(stopped)) {
                if (!process.isAlive() || System.nanoTime() - deadline > 0) {
                    terminate(false); // it did not shut down in place: stop the process instead
                    return;
                }
                Thread.sleep(20); // polling a file another process writes: nothing to wait on
            }
            serving = false;
        }
        log.info("Kafka test broker at {} stopped", bootstrap());
    }

    /** Ends the broker process: SIGKILL when {@code crash}, else SIGTERM (a clean shutdown). */
    private void terminate(boolean crash) throws InterruptedException {
        if (crash) {
            process.destroyForcibly(); // SIGKILL: a crash; the broker recovers its log on start
        } else {
            process.destroy(); // SIGTERM: the broker shuts down cleanly
        }
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
        process = null;
        serving = false;
        log.info("Kafka test broker at {} stopped ({})", bootstrap(), crash ? "SIGKILL" : "SIGTERM");
    }

    /** Sends one command line to the broker process ({@link DevKafkaBroker} follows its stdin). */
    private void command(String line) throws IOException {
        process.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
        process.getOutputStream().flush();
    }

    private synchronized void destroy() {
        try {
            if (process != null) {
                terminate(false);
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

    private void awaitReady() throws IOException {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        Map<String, Object> config = Map.of("bootstrap.servers", bootstrap(), "request.timeout.ms", 2_000,
                "default.api.timeout.ms", 2_000, "reconnect.backoff.max.ms", 200);
        try (Admin admin = Admin.create(config)) {
            while (true) {
                if (!process.isAlive()) {
                    throw new IOException("the Kafka test broker exited with code " + process.exitValue() + "; its log:\n"
                            + tail());
                }
                try {
                    admin.describeCluster(new DescribeClusterOptions().timeoutMs(2_000)).nodes().get(3, TimeUnit.SECONDS);
                    return;
                } catch (Exception notYet) {
                    if (System.nanoTime() - deadline > 0) {
                        process.destroyForcibly();
                        throw new IOException("the Kafka test broker did not start within " + READY_TIMEOUT + "; its log:\n"
                                + tail(), notYet);
                    }
                }
            }
        }
    }

    private String tail() throws IOException {
        List<String> lines = Files.readAllLines(logFile, StandardCharsets.UTF_8);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }

    /** The test classpath, which holds the Kafka broker (kafka_2.13 and kafka-server, test scope). */
    static String testClasspath() {
        String classpath = System.getProperty("java.class.path");
        if (!classpath.contains("kafka_2.13")) {
            throw new IllegalStateException("the Kafka broker (kafka_2.13) is not on the test classpath: " + classpath);
        }
        return classpath;
    }

    static int[] freePorts(int count) throws IOException {
        int[] ports = new int[count];
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) {
                ServerSocket socket = new ServerSocket();
                socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                sockets.add(socket);
                ports[i] = socket.getLocalPort();
            }
        } finally {
            for (ServerSocket socket : sockets) {
                socket.close();
            }
        }
        return ports;
    }

    @Override
    public String toString() {
        return "KafkaTestBroker[" + bootstrap() + "]";
    }
}
