package dev.courier.transport.nats;

import dev.courier.testkit.Brokers;
import io.nats.client.Connection;
import io.nats.client.JetStreamManagement;
import io.nats.client.Nats;
import io.nats.client.Options;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

/**
 * The NATS server the tests use: {@code COURIER_NATS_URL}, or {@code nats://127.0.0.1:4222}, and
 * helpers to name things uniquely per run and delete the streams a test created.
 */
final class NatsTestBroker {

    static final String URL = System.getenv().getOrDefault("COURIER_NATS_URL", "nats://127.0.0.1:4222");

    private NatsTestBroker() {
    }

    /** Fails (under CI) or skips the test when the server is down. */
    static void require() {
        require(URL);
    }

    static void require(String url) {
        String first = settings(url).servers().get(0);
        int colon = first.lastIndexOf(':');
        Brokers.requireReachable("NATS", first.substring(0, colon).replace("[", "").replace("]", ""),
                Integer.parseInt(first.substring(colon + 1)));
    }

    /** A prefix no other run uses, legal in every Courier name. */
    static String uniquePrefix() {
        return "nt" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
    }

    /** A plain jnats connection to {@code url}'s servers, for checks behind the transport's back. */
    static Connection connect(String url) throws Exception {
        NatsSettings settings = settings(url);
        Options.Builder options = new Options.Builder().servers(settings.serverUrls())
                .connectionTimeout(Duration.ofSeconds(2)).noReconnect();
        if (settings.user() != null) {
            options.userInfo(settings.user().toCharArray(), settings.password().toCharArray());
        }
        if (settings.token() != null) {
            options.token(settings.token().toCharArray());
        }
        return Nats.connect(options.build());
    }

    /** The shared server's max_payload. */
    static long maxPayload() throws Exception {
        Connection connection = connect(URL);
        try {
            return connection.getServerInfo().getMaxPayload();
        } finally {
            connection.close();
        }
    }

    /** Deletes a stream behind the transport's back. */
    static void deleteStream(String url, String stream) throws Exception {
        Connection connection = connect(url);
        try {
            connection.jetStreamManagement().deleteStream(stream);
        } finally {
            connection.close();
        }
    }

    /**
     * True when some client subscribes to the core NATS subject {@code subject}: a message sent
     * there with a reply subject gets no "no responders" (503) status back. With a subscriber
     * nothing comes back, so that answer takes the probe's wait (3 s).
     */
    static boolean subscribed(String url, String subject) throws Exception {
        Connection connection = connect(url);
        try {
            String probe = connection.createInbox();
            io.nats.client.Subscription answers = connection.subscribe(probe);
            connection.publish(subject, probe, new byte[0]);
            io.nats.client.Message answer = answers.nextMessage(java.time.Duration.ofSeconds(3));
            return answer == null || !answer.isStatusMessage() || answer.getStatus().getCode() != 503;
        } finally {
            connection.close();
        }
    }

    /** True when the server holds the stream of {@code destination} (stream info answers). */
    static boolean exists(String url, dev.courier.spi.Destination destination) throws Exception {
        Connection connection = connect(url);
        try {
            connection.jetStreamManagement().getStreamInfo(NatsNames.stream(destination));
            return true;
        } catch (io.nats.client.JetStreamApiException e) {
            if (e.getApiErrorCode() == 10059) { // stream not found
                return false;
            }
            throw e;
        } finally {
            connection.close();
        }
    }

    /** Deletes one durable consumer, as an operator might. */
    static void deleteConsumer(String url, String stream, String consumer) throws Exception {
        Connection connection = connect(url);
        try {
            connection.jetStreamManagement().deleteConsumer(stream, consumer);
        } finally {
            connection.close();
        }
    }

    /** Deletes every stream made for a Courier name starting with {@code prefix}. */
    static void deleteStreams(String url, String prefix) {
        try {
            Connection connection = connect(url);
            try {
                JetStreamManagement management = connection.jetStreamManagement();
                String swapped = NatsNames.swap(prefix);
                for (String name : management.getStreamNames()) {
                    if (name.startsWith(NatsNames.TOPIC_STREAM_PREFIX + swapped)
                            || name.startsWith(NatsNames.QUEUE_STREAM_PREFIX + swapped)) {
                        management.deleteStream(name);
                    }
                }
            } finally {
                connection.close();
            }
        } catch (Exception e) {
            System.err.println("Could not delete test streams with prefix " + prefix + ": " + e);
        }
    }

    private static NatsSettings settings(String url) {
        return NatsSettings.parse(URI.create(url.replaceAll("\\?.*", "")), Map.of());
    }
}
