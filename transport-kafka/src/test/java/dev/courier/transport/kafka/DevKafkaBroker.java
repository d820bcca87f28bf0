package dev.courier.transport.kafka;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.Uuid;

/**
 * A single-node Kafka 4 broker (KRaft, broker and controller in one process) for tests and for
 * trying Courier by hand, run from the Maven test classpath: no download, no Docker.
 *
 * <pre>
 * ./mvnw -q -pl transport-kafka test-compile exec:exec@dev-broker      # kafka://127.0.0.1:9092
 * </pre>
 *
 * <p>Arguments: {@code --dir D} (data, default {@code /tmp/courier-kafka-dev}; formatted on first
 * use, kept across restarts), {@code --port P} (default 9092), {@code --controller-port C} (default
 * 9093) and {@code --exit-on-stdin-eof} (stop when the parent process goes away; used by the tests
 * so an aborted test run leaves no broker behind). Settings favour fast tests: replication factor 1,
 * no delay before a new group's first rebalance, short minimum session timeout.
 */
public final class DevKafkaBroker {

    private DevKafkaBroker() {
    }

    /** Formats the data directory if needed and runs the broker until the process is stopped. */
    public static void main(String[] args) throws Exception {
        Path dir = Path.of("/tmp/courier-kafka-dev");
        int port = 9092;
        int controllerPort = 9093;
        boolean exitOnEof = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--dir" -> dir = Path.of(args[++i]);
                case "--port" -> port = Integer.parseInt(args[++i]);
                case "--controller-port" -> controllerPort = Integer.parseInt(args[++i]);
                case "--exit-on-stdin-eof" -> exitOnEof = true;
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + "; use --dir D --port P --controller-port C [--exit-on-stdin-eof]");
            }
        }
        Path properties = writeProperties(dir, port, controllerPort);
        if (!Files.exists(dir.resolve("data").resolve("meta.properties"))) {
            format(properties);
        }
        if (exitOnEof) {
            Thread watchdog = new Thread(() -> {
                try (InputStream in = System.in) {
                    while (in.read() >= 0) {
                        // keep reading until the parent closes the pipe
                    }
                } catch (IOException ignored) {
                    // the parent is gone either way
                }
                System.exit(0);
            }, "parent-watchdog");
            watchdog.setDaemon(true);
            watchdog.start();
        }
        System.out.println("Kafka broker starting on 127.0.0.1:" + port + " (data in " + dir + ")");
        kafka.Kafka.main(new String[] {properties.toString()});
    }

    private static Path writeProperties(Path dir, int port, int controllerPort) throws IOException {
        Files.createDirectories(dir);
        List<String> lines = new ArrayList<>(List.of(
                "process.roles=broker,controller",
                "node.id=1",
                "controller.quorum.voters=1@127.0.0.1:" + controllerPort,
                "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort,
                "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
                "controller.listener.names=CONTROLLER",
                "inter.broker.listener.name=PLAINTEXT",
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                "log.dirs=" + dir.resolve("data"),
                "num.partitions=1",
                "auto.create.topics.enable=false",
                "default.replication.factor=1",
                "offsets.topic.replication.factor=1",
                "offsets.topic.num.partitions=3",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "share.coordinator.state.topic.replication.factor=1",
                "share.coordinator.state.topic.min.isr=1",
                "group.initial.rebalance.delay.ms=0",
                "group.min.session.timeout.ms=1000",
                "num.network.threads=2",
                "num.io.threads=4",
                "log.cleaner.dedupe.buffer.size=8388608",
                "log.segment.bytes=16777216"));
        Path properties = dir.resolve("server.properties");
        Files.write(properties, lines, StandardCharsets.UTF_8);
        return properties;
    }

    private static void format(Path properties) {
        String[] args = {"format", "-t", Uuid.randomUuid().toString(), "-c", properties.toString()};
        PrintStream out = System.out;
        int code = kafka.tools.StorageTool.execute(args, out);
        if (code != 0) {
            throw new UncheckedIOException(new IOException("formatting the Kafka data directory failed: exit code " + code));
        }
    }
}
