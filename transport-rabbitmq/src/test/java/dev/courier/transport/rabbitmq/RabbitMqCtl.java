package dev.courier.transport.rabbitmq;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs {@code rabbitmqctl} against the local node: restarts and listings for the tests. */
final class RabbitMqCtl {

    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(90);

    private RabbitMqCtl() {
    }

    /** Whether {@code rabbitmqctl} can talk to the local node. */
    static boolean available() {
        try {
            run("-q", "status");
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Output lines of {@code rabbitmqctl args}; fails when it exits with an error or times out. */
    static List<String> run(String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add("rabbitmqctl");
        command.addAll(Arrays.asList(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] output;
        try {
            output = process.getInputStream().readAllBytes();
            if (!process.waitFor(COMMAND_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException(String.join(" ", command) + " did not finish within " + COMMAND_TIMEOUT);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new IOException("interrupted running " + String.join(" ", command), e);
        }
        String text = new String(output, StandardCharsets.UTF_8);
        if (process.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " exited with " + process.exitValue() + ": " + text.strip());
        }
        return text.lines().map(String::strip).filter(line -> !line.isEmpty()).toList();
    }

    /** Stops the RabbitMQ application (the Erlang node keeps running); returns once it is down. */
    static void stopApp() throws IOException {
        run("stop_app");
    }

    /** Starts the RabbitMQ application again; returns once it accepts AMQP connections on {@code port}. */
    static void startApp(String host, int port) throws IOException {
        run("start_app");
        run("-q", "await_startup", "--timeout", "60");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(host, port), 1_000);
                return;
            } catch (IOException notYet) {
                if (System.nanoTime() > deadline) {
                    throw new IOException("RabbitMQ does not accept connections on " + host + ":" + port + " after start_app");
                }
                java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
            }
        }
    }

    /** Names of the queues whose name starts with {@code prefix}. */
    static List<String> queues(String prefix) throws IOException {
        return run("-s", "list_queues", "name").stream().filter(name -> name.startsWith(prefix)).toList();
    }

    /** Names of the exchanges whose name starts with {@code prefix}. */
    static List<String> exchanges(String prefix) throws IOException {
        return run("-s", "list_exchanges", "name").stream().filter(name -> name.startsWith(prefix)).toList();
    }
}
