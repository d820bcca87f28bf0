package dev.courier.transport.kafka;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.common.utils.Utils;

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
 * 9093; {@code 0} for either picks a free port) and {@code --exit-on-stdin-eof} (stop when the
 * parent process goes away; used by the tests so an aborted test run leaves no broker behind; the
 * parent may also stop and start the broker within the process, see {@link #followStdin}).
 * Settings favour fast tests: replication factor 1, no delay before a new group's first rebalance,
 * short minimum session timeout.
 *
 * <p>Before starting it checks that both ports are free on 127.0.0.1 and that the data directory
 * is usable and not held by another broker, and otherwise exits with code 2 and one line saying
 * what is taken (rather than Kafka's stack trace halfway through its startup). Once the broker
 * answers it prints its {@code kafka://} URL. Ctrl-C or SIGTERM shuts it down cleanly.
 */
public final class DevKafkaBroker {

    /** Exit code when the ports or the data directory are not usable. */
    static final int CANNOT_START = 2;

    /** The file {@code stop} on stdin creates in the data directory once the broker has shut down. */
    static final String STOPPED = "broker-stopped";

    /** The broker {@link #followStdin} runs, null while stopped. */
    private static KafkaRaftServer running;

    private DevKafkaBroker() {
    }

    /**
     * What to run: data directory, broker port and controller port ({@code 0}: pick a free one),
     * and whether to stop when stdin closes.
     */
    record Settings(Path dir, int port, int controllerPort, boolean exitOnStdinEof) {

        private static final String USAGE = "use --dir D --port P --controller-port C [--exit-on-stdin-eof]";

        /** Parses the command line; an unknown or incomplete argument is an {@link IllegalArgumentException}. */
        static Settings parse(String... args) {
            Path dir = Path.of("/tmp/courier-kafka-dev");
            int port = 9092;
            int controllerPort = 9093;
            boolean exitOnEof = false;
            for (int i = 0; i < args.length; i++) {
                String arg = args[i];
                if (arg.equals("--exit-on-stdin-eof")) {
                    exitOnEof = true;
                    continue;
                }
                if (!List.of("--dir", "--port", "--controller-port").contains(arg)) {
                    throw new IllegalArgumentException("unknown argument " + arg + "; " + USAGE);
                }
                if (i + 1 == args.length) {
                    throw new IllegalArgumentException(arg + " needs a value; " + USAGE);
                }
                String value = args[++i];
                switch (arg) {
                    case "--dir" -> dir = Path.of(value);
                    case "--port" -> port = portNumber(arg, value);
                    default -> controllerPort = portNumber(arg, value);
                }
            }
            return new Settings(dir, port, controllerPort, exitOnEof);
        }

        private static int portNumber(String arg, String value) {
            try {
                int port = Integer.parseInt(value);
                if (port >= 0 && port <= 65535) {
                    return port;
                }
            } catch (NumberFormatException notANumber) {
                // reported below
            }
            throw new IllegalArgumentException(arg + " must be a port number from 0 (any free port) to 65535: " + value);
        }

        /**
         * These settings with free ports in place of {@code 0}, after checking that both ports can
         * be bound on 127.0.0.1 and that the data directory can be used.
         *
         * @throws IllegalStateException saying what is taken or unusable, and how to choose another
         */
        Settings checked() {
            if (port != 0 && port == controllerPort) {
                throw new IllegalStateException("the broker port and the controller port are both " + port
                        + "; give two different ports (or 0 for any free port)");
            }
            checkDirectory(dir);
            int[] free = freePorts(port, controllerPort);
            return new Settings(dir, free[0], free[1], exitOnStdinEof);
        }

        /** The URL an application connects with. */
        String url() {
            return "kafka://127.0.0.1:" + port;
        }
    }

    /** Checks its arguments, ports and data directory, formats the directory if needed and runs the broker until stopped. */
    public static void main(String[] args) throws Exception {
        Settings settings;
        try {
            settings = Settings.parse(args).checked();
        } catch (IllegalArgumentException | IllegalStateException e) {
            System.err.println("Kafka dev broker not started: " + e.getMessage());
            System.exit(CANNOT_START);
            return;
        }
        Path properties = writeProperties(settings.dir(), settings.port(), settings.controllerPort());
        if (!Files.exists(settings.dir().resolve("data").resolve("meta.properties"))) {
            format(properties);
        }
        System.out.println("Kafka broker starting on 127.0.0.1:" + settings.port() + " (controller 127.0.0.1:"
                + settings.controllerPort() + ", data in " + settings.dir() + ")");
        announceWhenReady(settings);
        Runtime.getRuntime().addShutdownHook(new Thread(
                () -> System.out.println("Kafka broker on 127.0.0.1:" + settings.port() + " stopping"), "dev-broker-stop"));
        if (settings.exitOnStdinEof()) {
            followStdin(properties, settings.dir());
        } else {
            kafka.Kafka.main(new String[] {properties.toString()});
        }
    }

    /**
     * Runs the broker in this JVM as {@code kafka.Kafka} does, and follows the commands of the parent
     * process on stdin, one a line: {@code stop} shuts the broker down as SIGTERM would (a controlled
     * shutdown: its sockets close, its logs are flushed) and then creates {@link #STOPPED} in the
     * data directory; {@code start} starts it again on the same ports and data. A restart thus costs
     * the broker's own start, not a new JVM's (which is most of it on a busy machine). The end of
     * stdin (the parent is gone) exits, shutting the broker down.
     */
    private static void followStdin(Path properties, Path dir) throws IOException {
        KafkaConfig config = new KafkaConfig(Utils.loadProps(properties.toString()), false);
        startBroker(config);
        Runtime.getRuntime().addShutdownHook(new Thread(DevKafkaBroker::stopBroker, "kafka-shutdown-hook"));
        BufferedReader commands = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String command;
        while ((command = commands.readLine()) != null) {
            switch (command.trim()) {
                case "stop" -> {
                    stopBroker();
                    Files.writeString(dir.resolve(STOPPED), "");
                }
                case "start" -> startBroker(config);
                default -> System.err.println("unknown command on stdin: " + command);
            }
        }
        System.exit(0);
    }

    private static synchronized void startBroker(KafkaConfig config) {
        if (running != null) {
            return;
        }
        try {
            KafkaRaftServer server = new KafkaRaftServer(config, Time.SYSTEM);
            server.startup();
            running = server;
        } catch (Throwable e) {
            e.printStackTrace();
            Runtime.getRuntime().halt(1); // as kafka.Kafka exits when its server does not start
        }
    }

    private static synchronized void stopBroker() {
        if (running == null) {
            return;
        }
        running.shutdown();
        running.awaitShutdown();
        running = null;
    }

    /** Refuses a directory that is a file, cannot be written, or whose data another broker holds. */
    static void checkDirectory(Path dir) {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new IllegalStateException("the data directory " + dir + " is a file, not a directory; "
                    + "give another one with --dir (Maven: -Dkafka.dev.dir=...)");
        }
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new IllegalStateException("the data directory " + dir + " cannot be created (" + e + "); "
                    + "give another one with --dir (Maven: -Dkafka.dev.dir=...)");
        }
        if (!Files.isWritable(dir)) {
            throw new IllegalStateException("the data directory " + dir + " is not writable; "
                    + "give another one with --dir (Maven: -Dkafka.dev.dir=...)");
        }
        Path lock = dir.resolve("data").resolve(".lock");
        if (!Files.exists(lock)) {
            return; // no broker has run on it yet
        }
        String inUse = "the data directory " + dir + " is in use by another Kafka broker (it holds " + lock
                + "); stop that broker, or give another directory with --dir (Maven: -Dkafka.dev.dir=...)";
        try (FileChannel channel = FileChannel.open(lock, StandardOpenOption.WRITE)) {
            FileLock held = channel.tryLock();
            if (held == null) {
                throw new IllegalStateException(inUse);
            }
            held.release();
        } catch (OverlappingFileLockException e) {
            throw new IllegalStateException(inUse);
        } catch (IOException e) {
            throw new IllegalStateException("the data directory " + dir + " cannot be used: " + lock + " cannot be locked ("
                    + e + "); give another directory with --dir (Maven: -Dkafka.dev.dir=...)");
        }
    }

    /**
     * The two ports, each checked by binding it on 127.0.0.1; a {@code 0} becomes a free port.
     *
     * @throws IllegalStateException naming the first port that is taken
     */
    static int[] freePorts(int... wanted) {
        String[] roles = {"broker", "controller"};
        int[] ports = new int[wanted.length];
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < wanted.length; i++) {
                ServerSocket socket = new ServerSocket();
                sockets.add(socket);
                try {
                    socket.setReuseAddress(true);
                    socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), wanted[i]));
                } catch (IOException taken) {
                    String role = i < roles.length ? roles[i] : "";
                    throw new IllegalStateException("the " + role + " port 127.0.0.1:" + wanted[i]
                            + " is already in use (another Kafka broker, perhaps an earlier dev broker still running?); "
                            + "stop what holds it, or choose other ports with --port and --controller-port "
                            + "(Maven: -Dkafka.dev.port=... -Dkafka.dev.controllerPort=...; 0 picks any free port and prints the URL)");
                }
                ports[i] = socket.getLocalPort();
            }
            return ports;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            for (ServerSocket socket : sockets) {
                try {
                    socket.close();
                } catch (IOException ignored) {
                    // the port is released either way
                }
            }
        }
    }

    /** Prints the URL once the broker answers, from a daemon thread (Kafka's main does not return). */
    private static void announceWhenReady(Settings settings) {
        Thread announcer = new Thread(() -> {
            awaitListening(settings.port()); // before that the admin client would log a warning per attempt
            Map<String, Object> config = Map.of("bootstrap.servers", "127.0.0.1:" + settings.port(),
                    "request.timeout.ms", 2_000, "default.api.timeout.ms", 2_000, "reconnect.backoff.max.ms", 200);
            try (Admin admin = Admin.create(config)) {
                while (true) {
                    try {
                        admin.describeCluster(new DescribeClusterOptions().timeoutMs(2_000)).nodes().get(3, TimeUnit.SECONDS);
                        System.out.println("Kafka broker ready: " + settings.url() + "  (Ctrl-C stops it)");
                        return;
                    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException notYet) {
                        // still starting: describeCluster itself waits, so ask again
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "dev-broker-ready");
        announcer.setDaemon(true);
        announcer.start();
    }

    /** Returns once something accepts connections on 127.0.0.1:{@code port}. */
    private static void awaitListening(int port) {
        while (true) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1_000);
                return;
            } catch (IOException notYet) {
                try {
                    Thread.sleep(100); // a dev tool's poll of its own broker, no test waits on it
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
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
