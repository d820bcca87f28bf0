package dev.courier.transport.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.read.ListAppender;
import dev.courier.api.ConnectionException;
import dev.courier.api.PublishException;
import dev.courier.spi.Consumer;
import dev.courier.spi.ConsumerSpec;
import dev.courier.spi.Delivery;
import dev.courier.spi.Destination;
import dev.courier.spi.Envelope;
import dev.courier.spi.Transport;
import dev.courier.testkit.Brokers;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/**
 * Connecting: a wrong address fails at once saying what is wrong (nothing listens, or the peer is
 * not Kafka) without a flood of client log lines, and no secret given in the URL or the options
 * shows in a log line, an exception message, {@code toString()} or a health detail.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class KafkaConnectTest {

    private static final String PASSWORD = "Pw+S3cret/ph@se";
    private static final String JAAS_SECRET = "J4as-S3cret-Value";
    private static final String KEY_PASSWORD = "K3y-S3cret-Pw";
    private static final String TRUSTSTORE_PASSWORD = "Tru5t-S3cret-Pw";
    private static final List<String> SECRETS = List.of(PASSWORD, "S3cret", JAAS_SECRET, KEY_PASSWORD, TRUSTSTORE_PASSWORD);

    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    private final Map<String, Level> levels = new HashMap<>();
    private final List<ch.qos.logback.core.Appender<ILoggingEvent>> detached = new java.util.ArrayList<>();

    /** Records what the transport logs at DEBUG and the Kafka clients at INFO (their usual level). */
    @BeforeEach
    void captureLogs() {
        logs.start();
        root().iteratorForAppenders().forEachRemaining(detached::add);
        detached.forEach(root()::detachAppender); // the console stays quiet meanwhile
        root().addAppender(logs);
        setLevel("dev.courier", Level.DEBUG);
        setLevel("org.apache.kafka", Level.INFO);
        setLevel("org.apache.kafka.clients.NetworkClient", Level.INFO);
    }

    @AfterEach
    void restoreLogs() {
        root().detachAppender(logs);
        detached.forEach(root()::addAppender);
        levels.forEach((name, level) -> ((Logger) LoggerFactory.getLogger(name)).setLevel(level));
    }

    private static Logger root() {
        return (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    }

    private void setLevel(String name, Level level) {
        Logger logger = (Logger) LoggerFactory.getLogger(name);
        levels.putIfAbsent(name, logger.getLevel());
        logger.setLevel(level);
    }

    private static Transport open(String url, Map<String, String> options) {
        return new KafkaTransportProvider().open(URI.create(url), options);
    }

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return socket.getLocalPort();
        }
    }

    /** What was logged so far; clients of other tests may still be logging, so a copy taken under the appender's lock. */
    private List<ILoggingEvent> events() {
        synchronized (logs) {
            return List.copyOf(logs.list);
        }
    }

    /** Lines the Kafka clients logged about {@code address} (clients of earlier tests may still be logging others). */
    private long kafkaClientLogEvents(String address) {
        return events().stream().filter(event -> event.getLoggerName().startsWith("org.apache.kafka"))
                .filter(event -> event.getFormattedMessage().contains(address)).count();
    }

    private void assertNoLogShowsASecret() {
        for (ILoggingEvent event : events()) {
            for (String secret : SECRETS) {
                assertFalse(event.getFormattedMessage().contains(secret), "log shows a secret: " + event.getFormattedMessage());
                for (IThrowableProxy t = event.getThrowableProxy(); t != null; t = t.getCause()) {
                    assertFalse(String.valueOf(t.getMessage()).contains(secret), "logged exception shows a secret: "
                            + t.getMessage());
                }
            }
        }
    }

    private static void assertShowsNoSecret(Object shown) {
        for (String secret : SECRETS) {
            assertFalse(String.valueOf(shown).contains(secret), "shows a secret: " + shown);
        }
    }

    private static void assertNoMessageShowsASecret(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            assertShowsNoSecret(t.getMessage());
            assertShowsNoSecret(t.toString());
        }
    }

    @Test
    void a_port_where_nothing_listens_fails_at_once_saying_the_connection_was_refused() throws IOException {
        int port = closedPort();
        ConnectionException e = assertTimeoutPreemptively(Duration.ofSeconds(5), () -> assertThrows(ConnectionException.class,
                () -> open("kafka://127.0.0.1:" + port + ",localhost:" + port, Map.of())));
        assertTrue(e.getMessage().contains("refused"), e.getMessage());
        assertTrue(e.getMessage().contains("127.0.0.1:" + port), e.getMessage());
        assertFalse(e.getMessage().contains("node assignment"), e.getMessage());
    }

    @Test
    @Tag("broker")
    void a_nats_port_is_reported_as_not_a_kafka_broker_without_a_flood_of_client_log_lines() {
        Brokers.requireReachable("NATS", "127.0.0.1", 4222);
        ConnectionException e = assertTimeoutPreemptively(Duration.ofSeconds(8), () -> assertThrows(ConnectionException.class,
                () -> open("kafka://127.0.0.1:4222", Map.of())));
        assertTrue(e.getMessage().contains("127.0.0.1:4222 is not a Kafka broker"), e.getMessage());
        assertTrue(e.getMessage().contains("NATS"), e.getMessage());
        assertTrue(kafkaClientLogEvents(":4222") < 20, "Kafka clients logged " + kafkaClientLogEvents(":4222") + " lines");
    }

    @Test
    @Tag("broker")
    void a_rabbitmq_port_is_reported_as_not_a_kafka_broker_without_a_flood_of_client_log_lines() {
        Brokers.requireReachable("RabbitMQ", "127.0.0.1", 5672);
        ConnectionException e = assertTimeoutPreemptively(Duration.ofSeconds(8), () -> assertThrows(ConnectionException.class,
                () -> open("kafka://127.0.0.1:5672", Map.of())));
        assertTrue(e.getMessage().contains("127.0.0.1:5672 is not a Kafka broker"), e.getMessage());
        assertTrue(e.getMessage().contains("AMQP"), e.getMessage());
        assertTrue(kafkaClientLogEvents(":5672") < 20, "Kafka clients logged " + kafkaClientLogEvents(":5672") + " lines");
    }

    @Test
    @Tag("broker")
    void the_probe_recognises_a_kafka_broker_by_address_and_by_host_name() {
        KafkaTestBroker.sharedUrl();
        String server = KafkaTestBroker.bootstrapServers().split(",")[0];
        assertEquals(BootstrapProbe.Outcome.KAFKA, BootstrapProbe.probe(server, true, 5_000).outcome());
        String port = server.substring(server.lastIndexOf(':') + 1);
        if (server.startsWith("127.0.0.1:")) {
            assertEquals(BootstrapProbe.Outcome.KAFKA, BootstrapProbe.probe("localhost:" + port, true, 5_000).outcome());
        }
    }

    @Test
    void a_failed_connect_shows_no_password_or_secret_option() throws IOException {
        int port = closedPort();
        ConnectionException e = assertThrows(ConnectionException.class, () -> open("kafka://ada:"
                + URLEncoder.encode(PASSWORD, StandardCharsets.UTF_8) + "@127.0.0.1:" + port,
                Map.of("sslKeyPassword", KEY_PASSWORD, "kafka.ssl.truststore.password", TRUSTSTORE_PASSWORD)));
        assertNoMessageShowsASecret(e);
        assertNoLogShowsASecret();
    }

    @Test
    @Tag("broker")
    void a_jaas_configuration_the_client_cannot_read_is_refused_without_showing_it() {
        String servers = KafkaTestBroker.bootstrapServers();
        KafkaTestBroker.sharedUrl();
        RuntimeException e = assertThrows(RuntimeException.class, () -> open("kafka://" + servers, Map.of(
                "securityProtocol", "SASL_PLAINTEXT", "saslMechanism", "PLAIN",
                "saslJaasConfig", "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"u\" "
                        + "password=\"" + JAAS_SECRET + "\" broken")));
        assertTrue(e instanceof IllegalArgumentException || e instanceof ConnectionException, e.toString());
        assertTrue(e.getMessage().contains("***") || e.getMessage().contains("JAAS"), e.getMessage());
        assertNoMessageShowsASecret(e);
        assertNoLogShowsASecret();
    }

    @Test
    @Tag("broker")
    void a_working_transport_shows_no_secret_in_logs_exceptions_to_string_or_health() throws Exception {
        String servers = KafkaTestBroker.bootstrapServers();
        KafkaTestBroker.sharedUrl();
        String prefix = "kc-" + UUID.randomUUID().toString().substring(0, 8);
        // PLAINTEXT listener: the clients are given every secret but use none of them
        Map<String, String> options = Map.of("securityProtocol", "PLAINTEXT", "saslMechanism", "PLAIN",
                "sslKeyPassword", KEY_PASSWORD, "sslTruststorePassword", TRUSTSTORE_PASSWORD,
                "kafka.ssl.keystore.password", KEY_PASSWORD + "2", "kafka.consumer.session.timeout.ms", "6000");
        Transport transport = open("kafka://ada:" + URLEncoder.encode(PASSWORD, StandardCharsets.UTF_8) + "@" + servers,
                options);
        Destination topic = Destination.topic(prefix + ".secrets");
        Envelope envelope = new Envelope(UUID.randomUUID().toString(), topic, null, Map.of(),
                "hello".getBytes(StandardCharsets.UTF_8), "text/plain", Instant.now().truncatedTo(ChronoUnit.MILLIS));
        LinkedBlockingQueue<Delivery> received = new LinkedBlockingQueue<>();
        try {
            transport.declare(topic);
            Consumer consumer = transport.consume(new ConsumerSpec(topic, "g", 10), received::add);
            transport.send(envelope).toCompletableFuture().get(30, TimeUnit.SECONDS);
            Delivery delivery = received.poll(30, TimeUnit.SECONDS);
            assertEquals("hello", new String(delivery.envelope().payload(), StandardCharsets.UTF_8));
            delivery.ack();
            assertShowsNoSecret(transport);
            assertShowsNoSecret(transport.state());
            assertShowsNoSecret(consumer.state());
            assertShowsNoSecret(consumer);
        } finally {
            transport.close();
        }
        CompletionException closed = assertThrows(CompletionException.class,
                () -> transport.send(envelope).toCompletableFuture().join());
        assertTrue(closed.getCause() instanceof PublishException, closed.toString());
        assertNoMessageShowsASecret(closed);
        assertShowsNoSecret(transport.state());
        assertFalse(events().isEmpty(), "logs were captured");
        assertNoLogShowsASecret();

        // the same with the JAAS configuration given as an option (and a name the client does not use)
        Transport jaas = open("kafka://" + servers, Map.of("securityProtocol", "PLAINTEXT",
                "kafka.sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required "
                        + "username=\"u\" password=\"" + JAAS_SECRET + "\";"));
        try {
            jaas.declare(topic);
            assertShowsNoSecret(jaas);
            assertShowsNoSecret(jaas.state());
        } finally {
            jaas.close();
        }
        assertNoLogShowsASecret();
    }
}
