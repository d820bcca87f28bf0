package dev.courier.transport.rabbitmq;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import dev.courier.testkit.Brokers;
import dev.courier.testkit.RestartableBroker;
import java.io.IOException;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.TimeoutException;

/**
 * The RabbitMQ the tests use: {@code COURIER_AMQP_URL}, or {@code amqp://guest:guest@127.0.0.1:5672/}
 * (the local service, see services.md).
 */
final class TestBroker {

    static final String URL = System.getenv().getOrDefault("COURIER_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/");
    static final RabbitMqSettings SETTINGS = RabbitMqSettings.parse(URI.create(URL), Map.of());

    private TestBroker() {
    }

    /** Skips (or fails under CI) the calling test when the broker is down. */
    static void requireReachable() {
        Brokers.requireReachable("RabbitMQ", SETTINGS.host(), SETTINGS.port());
    }

    /** Whether the broker runs on this machine, so rabbitmqctl can stop and start it. */
    static boolean isLocal() {
        return SETTINGS.host().equals("127.0.0.1") || SETTINGS.host().equals("localhost") || SETTINGS.host().equals("::1");
    }

    /**
     * The local node as a {@link RestartableBroker} ({@code rabbitmqctl stop_app} / {@code start_app}),
     * or {@code null} when the broker is elsewhere or rabbitmqctl cannot reach it.
     */
    static RestartableBroker restartable() {
        if (!isLocal() || !RabbitMqCtl.available()) {
            return null;
        }
        return new RestartableBroker() {
            @Override
            public String url() {
                return URL;
            }

            @Override
            public void stop() throws IOException {
                RabbitMqCtl.stopApp();
            }

            @Override
            public void start() throws IOException {
                RabbitMqCtl.startApp(SETTINGS.host(), SETTINGS.port());
            }
        };
    }

    /** A plain client connection, for inspecting and cleaning up the broker. */
    static Connection adminConnection() throws IOException, TimeoutException {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setHost(SETTINGS.host());
        factory.setPort(SETTINGS.port());
        factory.setVirtualHost(SETTINGS.virtualHost());
        factory.setUsername(SETTINGS.user());
        factory.setPassword(SETTINGS.password());
        if (SETTINGS.tls()) {
            factory.useSslProtocol(RabbitMqTransport.sslContext(SETTINGS));
        }
        return factory.newConnection("courier-tests-admin");
    }

    /**
     * True when the broker holds {@code destination}: a passive declare of its queue (or, for a
     * topic, its exchange) on a channel of its own, which the broker closes when it is missing.
     */
    static boolean exists(dev.courier.spi.Destination destination) throws IOException, TimeoutException {
        try (Connection connection = adminConnection()) {
            Channel channel = connection.createChannel();
            try {
                if (destination.isQueue()) {
                    channel.queueDeclarePassive(destination.name());
                } else {
                    channel.exchangeDeclarePassive(destination.name());
                }
                channel.close();
                return true;
            } catch (IOException e) {
                if (e.getCause() instanceof com.rabbitmq.client.ShutdownSignalException signal
                        && String.valueOf(signal.getReason()).contains("404")) {
                    return false;
                }
                throw e;
            }
        }
    }

    /** Deletes the queues and exchanges named in {@code names}; missing ones are ignored. */
    static void delete(Iterable<String> queues, Iterable<String> exchanges) {
        try (Connection connection = adminConnection()) {
            for (String queue : queues) {
                try (Channel channel = connection.createChannel()) {
                    channel.queueDelete(queue);
                } catch (IOException | RuntimeException e) {
                    // already gone
                }
            }
            for (String exchange : exchanges) {
                try (Channel channel = connection.createChannel()) {
                    channel.exchangeDelete(exchange);
                } catch (IOException | RuntimeException e) {
                    // already gone
                }
            }
        } catch (IOException | TimeoutException e) {
            System.err.println("could not clean up the test queues and exchanges: " + e);
        }
    }

    /**
     * Deletes every queue and exchange whose name starts with {@code runPrefix}: what a suite's
     * run left on the shared local broker. Does nothing for a remote broker or without rabbitmqctl.
     */
    static void deleteRun(String runPrefix) {
        if (!isLocal() || !RabbitMqCtl.available()) {
            return;
        }
        try {
            delete(RabbitMqCtl.queues(runPrefix), RabbitMqCtl.exchanges(runPrefix));
        } catch (IOException e) {
            System.err.println("could not list the queues and exchanges of run " + runPrefix + ": " + e.getMessage());
        }
    }
}
