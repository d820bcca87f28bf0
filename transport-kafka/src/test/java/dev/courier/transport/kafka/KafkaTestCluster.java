package dev.courier.transport.kafka;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
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
import java.util.StringJoiner;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.Uuid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real three-node Kafka 4 KRaft cluster for the replication scenario: three child processes,
 * each a combined broker and controller (so losing any one node keeps both a controller quorum and
 * two in-sync replicas), on free ports picked once and kept across restarts. Every topic gets
 * replication factor 3 and {@code min.insync.replicas=2} by default, so a publish Courier confirms
 * ({@code acks=all}) is on at least two brokers. Like {@link KafkaTestBroker}, the processes run from
 * the test classpath and exit by themselves when the test JVM dies (they watch their stdin pipe).
 *
 * <p>{@link #main} is the entry point of one node process (formats its data directory on first
 * start, then runs {@code kafka.Kafka}). Not thread safe: one test drives a cluster.
 */
final class KafkaTestCluster implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(KafkaTestCluster.class);
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);

    private final Path dir;
    private final String clusterId = Uuid.randomUuid().toString();
    private final int[] ports;
    private final int[] controllerPorts;
    private final Process[] processes;
    private final Path logDir;

    private KafkaTestCluster(Path dir, int nodes, Path logDir) throws IOException {
        this.dir = dir;
        this.logDir = logDir;
        int[] free = KafkaTestBroker.freePorts(nodes * 2);
        this.ports = IntStream.range(0, nodes).map(i -> free[i]).toArray();
        this.controllerPorts = IntStream.range(0, nodes).map(i -> free[nodes + i]).toArray();
        this.processes = new Process[nodes];
    }

    /** Starts {@code nodes} combined broker+controller processes and waits until every broker is registered. */
    static KafkaTestCluster start(int nodes) throws IOException {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        Files.createDirectories(tmp);
        Path dir = Files.createTempDirectory(tmp, "courier-kafka-cluster-");
        Path target = Path.of("target");
        KafkaTestCluster cluster = new KafkaTestCluster(dir, nodes, Files.isDirectory(target) ? target : dir);
        long started = System.nanoTime();
        try {
            for (int node = 1; node <= nodes; node++) {
                cluster.writeProperties(node);
                cluster.launch(node);
            }
            cluster.awaitBrokers(nodes);
        } catch (IOException | RuntimeException e) {
            cluster.close();
            throw e;
        }
        log.info("Kafka test cluster of {} nodes ready at {} in {} ms", nodes, cluster.bootstrap(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
        return cluster;
    }

    /** Every broker's address: {@code 127.0.0.1:p1,127.0.0.1:p2,...}. */
    String bootstrap() {
        return IntStream.of(ports).mapToObj(p -> "127.0.0.1:" + p).collect(Collectors.joining(","));
    }

    /** Node ids are 1..n. */
    int size() {
        return ports.length;
    }

    /**
     * Stops node {@code node}: SIGKILL (a crash: no controlled shutdown, leadership moves only once the
     * controller notices the missed heartbeats) or SIGTERM (a clean shutdown, as in a rolling restart).
     */
    void stop(int node, boolean crash) throws InterruptedException {
        Process process = processes[node - 1];
        if (process == null) {
            return;
        }
        if (crash) {
            process.destroyForcibly();
        } else {
            process.destroy();
        }
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
        processes[node - 1] = null;
        log.info("Kafka test cluster node {} stopped ({})", node, crash ? "SIGKILL" : "SIGTERM");
    }

    /** Starts node {@code node} again on its ports and data, returning once the cluster lists it. */
    void restart(int node) throws IOException {
        if (processes[node - 1] != null && processes[node - 1].isAlive()) {
            return;
        }
        launch(node);
        awaitBrokers(size());
        log.info("Kafka test cluster node {} is back", node);
    }

    private void launch(int node) throws IOException {
        List<String> command = List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xms96m", "-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-Dlogback.configurationFile=kafka-broker-logback.xml",
                "-Djava.io.tmpdir=" + nodeDir(node),
                "-cp", KafkaTestBroker.testClasspath(),
                KafkaTestCluster.class.getName(),
                nodeDir(node).resolve("server.properties").toString(), clusterId);
        Path logFile = logDir.resolve("kafka-cluster-node-" + node + ".log");
        processes[node - 1] = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile())).start();
    }

    /** Waits until {@code expected} brokers are registered and unfenced, failing with a node's log if one exits. */
    private void awaitBrokers(int expected) throws IOException {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        Map<String, Object> config = Map.of("bootstrap.servers", bootstrap(), "request.timeout.ms", 2_000,
                "default.api.timeout.ms", 2_000, "reconnect.backoff.max.ms", 200);
        try (Admin admin = Admin.create(config)) {
            Exception last = null;
            while (true) {
                for (int node = 1; node <= size(); node++) {
                    Process process = processes[node - 1];
                    if (process != null && !process.isAlive()) {
                        throw new IOException("Kafka cluster node " + node + " exited with code " + process.exitValue()
                                + "; its log:\n" + tail(node));
                    }
                }
                try {
                    // describeCluster lists unfenced brokers only, so a restarted node counts once it caught up
                    int live = admin.describeCluster(new DescribeClusterOptions().timeoutMs(2_000)).nodes()
                            .get(3, TimeUnit.SECONDS).size();
                    if (live >= expected) {
                        return;
                    }
                } catch (Exception notYet) {
                    last = notYet;
                }
                if (System.nanoTime() - deadline > 0) {
                    throw new IOException("the Kafka test cluster did not have " + expected + " brokers within "
                            + READY_TIMEOUT + "; last error " + last + "; node 1's log:\n" + tail(1));
                }
                // the cluster answered with too few brokers (or refused at once): ask again shortly
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
            }
        }
    }

    private Path nodeDir(int node) {
        return dir.resolve("node-" + node);
    }

    private void writeProperties(int node) throws IOException {
        Path nodeDir = nodeDir(node);
        Files.createDirectories(nodeDir);
        StringJoiner voters = new StringJoiner(",");
        for (int i = 1; i <= size(); i++) {
            voters.add(i + "@127.0.0.1:" + controllerPorts[i - 1]);
        }
        int replicas = Math.min(3, size());
        int minIsr = Math.max(1, replicas - 1);
        List<String> lines = List.of(
                "process.roles=broker,controller",
                "node.id=" + node,
                "controller.quorum.voters=" + voters,
                "listeners=PLAINTEXT://127.0.0.1:" + ports[node - 1] + ",CONTROLLER://127.0.0.1:" + controllerPorts[node - 1],
                "advertised.listeners=PLAINTEXT://127.0.0.1:" + ports[node - 1],
                "controller.listener.names=CONTROLLER",
                "inter.broker.listener.name=PLAINTEXT",
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                "log.dirs=" + nodeDir.resolve("data"),
                "num.partitions=3",
                "auto.create.topics.enable=false",
                // every topic, Courier's and the internal ones, is replicated to 3 and needs 2 in sync
                "default.replication.factor=" + replicas,
                "min.insync.replicas=" + minIsr,
                "unclean.leader.election.enable=false",
                "offsets.topic.replication.factor=" + replicas,
                "offsets.topic.num.partitions=3",
                "transaction.state.log.replication.factor=" + replicas,
                "transaction.state.log.min.isr=" + minIsr,
                "share.coordinator.state.topic.replication.factor=" + replicas,
                "share.coordinator.state.topic.min.isr=" + minIsr,
                // a crashed broker is fenced (its partitions get new leaders) after 4 s instead of 9 s
                "broker.session.timeout.ms=4000",
                "broker.heartbeat.interval.ms=500",
                "replica.lag.time.max.ms=10000",
                "group.initial.rebalance.delay.ms=0",
                "group.min.session.timeout.ms=1000",
                "num.network.threads=2",
                "num.io.threads=2",
                "num.replica.fetchers=1",
                "background.threads=2",
                "log.cleaner.dedupe.buffer.size=8388608",
                "log.segment.bytes=16777216");
        Files.write(nodeDir.resolve("server.properties"), lines, StandardCharsets.UTF_8);
    }

    private String tail(int node) throws IOException {
        Path logFile = logDir.resolve("kafka-cluster-node-" + node + ".log");
        if (!Files.exists(logFile)) {
            return "(no log)";
        }
        List<String> lines = Files.readAllLines(logFile, StandardCharsets.UTF_8);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }

    /** Stops every node (SIGKILL: the data is thrown away) and deletes the data directories. */
    @Override
    public void close() {
        for (int node = 1; node <= size(); node++) {
            try {
                stop(node, true);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
        } catch (IOException ignored) {
            // best effort
        }
    }

    /**
     * One node process: {@code KafkaTestCluster <server.properties> <cluster-id>}. Formats the data
     * directory on first start, runs the broker, and exits when the parent closes stdin.
     */
    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            throw new IllegalArgumentException("usage: KafkaTestCluster <server.properties> <cluster-id>");
        }
        Path properties = Path.of(args[0]);
        Path data = properties.resolveSibling("data");
        if (!Files.exists(data.resolve("meta.properties"))) {
            PrintStream out = System.out;
            int code = kafka.tools.StorageTool.execute(new String[] {"format", "-t", args[1], "-c", properties.toString()}, out);
            if (code != 0) {
                throw new UncheckedIOException(new IOException("formatting " + data + " failed: exit code " + code));
            }
        }
        Thread watchdog = new Thread(() -> {
            try (InputStream in = System.in) {
                while (in.read() >= 0) {
                    // keep reading until the parent closes the pipe
                }
            } catch (IOException ignored) {
                // the parent is gone either way
            }
            Runtime.getRuntime().halt(0);
        }, "parent-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        kafka.Kafka.main(new String[] {properties.toString()});
    }
}
