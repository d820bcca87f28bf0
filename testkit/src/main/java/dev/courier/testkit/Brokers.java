package dev.courier.testkit;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Checks that a broker a test needs can be reached. Under CI ({@code CI=true}) an unreachable
 * broker fails the test; elsewhere the test is skipped with the reason, so a laptop without
 * RabbitMQ can still run the rest.
 */
public final class Brokers {

    private Brokers() {
    }

    /** Whether this run is CI's, where nothing may be skipped for a missing broker. */
    public static boolean isCi() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    /**
     * Fails (under CI) or skips the calling test when a tool it needs to control the broker, such
     * as {@code rabbitmqctl} or the {@code nats-server} binary, is missing.
     */
    public static void requireTool(boolean available, String reason) {
        if (available) {
            return;
        }
        if (isCi()) {
            Assertions.fail(reason);
        }
        Assumptions.abort(reason);
    }

    /** Fails (under CI) or skips the calling test when {@code host:port} does not accept a TCP connection. */
    public static void requireReachable(String broker, String host, int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), 2_000);
        } catch (IOException e) {
            String reason = broker + " is not reachable at " + host + ":" + port + " (" + e.getMessage()
                    + "); start it (see .ci/run) or point the tests elsewhere with the environment variable";
            if (isCi()) {
                Assertions.fail(reason);
            }
            Assumptions.abort(reason);
        }
    }
}
