package dev.courier.transport.rabbitmq;

import dev.courier.testkit.Brokers;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.read.ListAppender;
import dev.courier.api.ConnectionException;
import dev.courier.api.MessageBus;
import dev.courier.api.OutgoingMessage;
import dev.courier.api.Subscription;
import dev.courier.testkit.Inbox;
import dev.courier.api.PublishException;
import dev.courier.spi.Destination;
import dev.courier.spi.Envelope;
import dev.courier.spi.Transport;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** Connecting: bounded failures that name the address, and a password that never shows. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class RabbitMqConnectTest {

    private static final String SECRET = "Sup3r-S3cret-Pw";
    private static final String OPTION_SECRET = "Tru5tSt0re-S3cret";

    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    private final List<Appender<ILoggingEvent>> detached = new ArrayList<>();
    private Level rootLevel;

    /** Records every log event at DEBUG and above (the console stays quiet meanwhile). */
    @BeforeEach
    void captureLogs() {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        rootLevel = root.getLevel();
        root.iteratorForAppenders().forEachRemaining(detached::add);
        detached.forEach(root::detachAppender);
        logs.start();
        root.addAppender(logs);
        root.setLevel(Level.DEBUG);
        setLevel("dev.courier", Level.DEBUG);
        setLevel("dev.courier.transport.rabbitmq", Level.DEBUG);
        setLevel("com.rabbitmq.client.impl.ForgivingExceptionHandler", Level.DEBUG);
    }

    @AfterEach
    void restoreLogs() {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.detachAppender(logs);
        detached.forEach(root::addAppender);
        root.setLevel(rootLevel);
        setLevel("dev.courier", Level.ERROR);
        setLevel("dev.courier.transport.rabbitmq", Level.INFO);
        setLevel("com.rabbitmq.client.impl.ForgivingExceptionHandler", Level.OFF);
    }

    private static void setLevel(String logger, Level level) {
        ((Logger) LoggerFactory.getLogger(logger)).setLevel(level);
    }

    private void assertNoLogShows(String secret) {
        for (ILoggingEvent event : logs.list) {
            assertFalse(event.getFormattedMessage().contains(secret), "log shows the password: " + event.getFormattedMessage());
            for (IThrowableProxy t = event.getThrowableProxy(); t != null; t = t.getCause()) {
                assertFalse(String.valueOf(t.getMessage()).contains(secret), "logged exception shows the password: " + t.getMessage());
            }
        }
    }

    private static void assertNoMessageShows(Throwable failure, String secret) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            assertFalse(String.valueOf(t.getMessage()).contains(secret), "exception shows the password: " + t);
            assertFalse(t.toString().contains(secret), "exception shows the password: " + t);
        }
    }

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @Test
    void connecting_to_a_closed_port_fails_at_once_naming_host_and_port_but_not_the_password() throws IOException {
        int port = closedPort();
        long start = System.nanoTime();
        ConnectionException failure = assertThrows(ConnectionException.class,
                () -> MessageBus.connect("amqp://app:" + SECRET + "@127.0.0.1:" + port + "/"));
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(millis < 10_000, "failed within 10 s, took " + millis + " ms");
        assertTrue(failure.getMessage().contains("127.0.0.1:" + port), failure.getMessage());
        assertNoMessageShows(failure, SECRET);
        assertNoLogShows(SECRET);
    }

    @Test
    void connecting_to_an_address_that_never_answers_fails_within_the_connect_timeout() {
        // 10.255.255.1 is a private address nothing here routes to: the SYN goes unanswered (or the
        // network says at once that it is unreachable); either way the failure is bounded
        long start = System.nanoTime();
        ConnectionException failure = assertThrows(ConnectionException.class,
                () -> MessageBus.connect("amqps://app:" + SECRET + "@10.255.255.1:5671/?connectTimeout=1s"));
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(millis < 5_000, "failed within the 1 s connect timeout plus slack, took " + millis + " ms");
        assertTrue(failure.getMessage().contains("10.255.255.1:5671"), failure.getMessage());
        assertNoMessageShows(failure, SECRET);
    }

    @Test
    @Tag("broker")
    void a_wrong_password_is_refused_naming_the_user_but_not_the_password() {
        TestBroker.requireReachable();
        String url = "amqp://guest:" + SECRET + "@" + TestBroker.SETTINGS.hostAndPort() + "/";
        ConnectionException failure = assertThrows(ConnectionException.class, () -> MessageBus.connect(url));
        assertTrue(failure.getMessage().contains(TestBroker.SETTINGS.hostAndPort()), failure.getMessage());
        assertTrue(failure.getMessage().contains("login"), failure.getMessage());
        assertNoMessageShows(failure, SECRET);
        assertNoLogShows(SECRET);
    }

    @Test
    @Tag("broker")
    void a_working_bus_never_shows_its_password_in_to_string_health_or_logs() throws Exception {
        TestBroker.requireReachable();
        Assumptions.assumeTrue(TestBroker.isLocal(), "the broker is remote (COURIER_AMQP_URL): rabbitmqctl cannot reach it");
        Brokers.requireTool(RabbitMqCtl.available(), "needs rabbitmqctl to add a user");
        String user = "courier-test-" + UUID.randomUUID().toString().substring(0, 8);
        RabbitMqCtl.run("add_user", user, SECRET);
        try {
            RabbitMqCtl.run("set_permissions", "-p", TestBroker.SETTINGS.virtualHost(), user, ".*", ".*", ".*");
            String topic = "rc-" + UUID.randomUUID().toString().substring(0, 8) + ".secret";
            try (MessageBus bus = MessageBus.connect("amqp://" + user + ":" + SECRET + "@"
                    + TestBroker.SETTINGS.hostAndPort() + "/")) {
                Inbox<String> inbox = new Inbox<>();
                Subscription subscription = bus.subscribe(topic, "g", String.class, inbox);
                bus.publish(OutgoingMessage.of(topic, "hello")).toCompletableFuture().get(20, TimeUnit.SECONDS);
                inbox.awaitCount(1, Duration.ofSeconds(20));
                assertFalse(bus.toString().contains(SECRET), bus.toString());
                assertFalse(bus.health().toString().contains(SECRET), bus.health().toString());
                assertFalse(subscription.toString().contains(SECRET), subscription.toString());
                TestBroker.delete(List.of(topic + ".g", subscription.deadLetterQueue()), List.of(topic));
            }
            assertTrue(logs.list.size() > 0, "logs were captured");
            assertNoLogShows(SECRET);
        } finally {
            RabbitMqCtl.run("delete_user", user);
        }
    }

    @Test
    @Tag("broker")
    void a_port_that_speaks_another_protocol_fails_with_one_clear_line_naming_host_and_port() {
        // NATS listens on 4222 (see .ci/run): it greets with "INFO {...}", not an AMQP frame
        Brokers.requireReachable("NATS", "127.0.0.1", 4222);
        ConnectionException failure = assertThrows(ConnectionException.class,
                () -> MessageBus.connect("amqp://app:" + SECRET + "@127.0.0.1:4222/?connectTimeout=3s"));
        assertTrue(failure.getMessage().contains("127.0.0.1:4222"), failure.getMessage());
        assertTrue(failure.getMessage().contains("does not speak AMQP"), failure.getMessage());
        assertNoMessageShows(failure, SECRET);
        List<ILoggingEvent> noisy = logs.list.stream()
                .filter(event -> event.getLevel().isGreaterOrEqual(Level.INFO) && event.getThrowableProxy() != null)
                .toList();
        assertEquals(List.of(), noisy.stream().map(ILoggingEvent::getFormattedMessage).toList(),
                "no stack trace logged at INFO or above");
    }

    @Test
    @Tag("broker")
    void secret_options_never_show_in_logs_exceptions_to_string_or_health_of_a_working_bus() throws Exception {
        TestBroker.requireReachable();
        String topic = "rc-" + UUID.randomUUID().toString().substring(0, 8) + ".secret-options";
        String url = TestBroker.URL + (TestBroker.URL.contains("?") ? "&" : "?") + "trustStorePassword=" + OPTION_SECRET;
        MessageBus bus = MessageBus.connect(url);
        try {
            Inbox<String> inbox = new Inbox<>();
            Subscription subscription = bus.subscribe(topic, "g", String.class, inbox);
            bus.publish(OutgoingMessage.of(topic, "hello")).toCompletableFuture().get(20, TimeUnit.SECONDS);
            inbox.awaitCount(1, Duration.ofSeconds(20));
            for (String shown : List.of(bus.toString(), bus.health().toString(), subscription.toString())) {
                assertFalse(shown.contains(OPTION_SECRET), shown);
            }
            TestBroker.delete(List.of(RabbitMqTransport.groupQueue(topic, "g"), subscription.deadLetterQueue()), List.of(topic));
        } finally {
            bus.close();
        }
        ExecutionException afterClose = assertThrows(ExecutionException.class, () -> {
            try {
                bus.publish(OutgoingMessage.of(topic, "late")).toCompletableFuture().get(20, TimeUnit.SECONDS);
            } catch (IllegalStateException closed) {
                throw new ExecutionException(closed);
            }
        });
        assertNoMessageShows(afterClose, OPTION_SECRET);

        Transport transport = new RabbitMqTransportProvider().open(URI.create(TestBroker.URL),
                Map.of("trustStorePassword", OPTION_SECRET));
        try {
            assertFalse(transport.toString().contains(OPTION_SECRET), transport.toString());
            Envelope lost = new Envelope("m-1", Destination.queue(topic + ".never-declared"), null, Map.of(), new byte[0],
                    "text/plain", Instant.now());
            CompletionException failure = assertThrows(CompletionException.class,
                    () -> transport.send(lost).toCompletableFuture().orTimeout(20, TimeUnit.SECONDS).join());
            assertInstanceOf(PublishException.class, failure.getCause());
            assertNoMessageShows(failure, OPTION_SECRET);
        } finally {
            transport.close();
        }
        assertTrue(logs.list.size() > 0, "logs were captured");
        assertNoLogShows(OPTION_SECRET);
    }

    @Test
    @Tag("broker")
    void a_failed_tls_connect_shows_neither_the_password_nor_the_trust_store_password(@TempDir Path directory)
            throws Exception {
        TestBroker.requireReachable();
        Path trustStore = directory.resolve("trust.p12");
        KeyStore empty = KeyStore.getInstance("PKCS12");
        empty.load(null, null);
        try (OutputStream out = Files.newOutputStream(trustStore)) {
            empty.store(out, OPTION_SECRET.toCharArray());
        }
        // amqps:// at the plain AMQP port: the TLS handshake fails
        String url = "amqps://app:" + SECRET + "@" + TestBroker.SETTINGS.hostAndPort() + "/?connectTimeout=3s&trustStore="
                + URLEncoder.encode(trustStore.toString(), StandardCharsets.UTF_8) + "&trustStorePassword=" + OPTION_SECRET;
        ConnectionException failure = assertThrows(ConnectionException.class, () -> MessageBus.connect(url));
        assertTrue(failure.getMessage().contains(TestBroker.SETTINGS.hostAndPort()), failure.getMessage());
        assertNoMessageShows(failure, SECRET);
        assertNoMessageShows(failure, OPTION_SECRET);
        assertNoLogShows(SECRET);
        assertNoLogShows(OPTION_SECRET);
    }

    @Test
    void a_refused_connect_shows_neither_the_password_nor_secret_options() throws IOException {
        int port = closedPort();
        ConnectionException failure = assertThrows(ConnectionException.class, () -> MessageBus.connect(
                "amqp://app:" + SECRET + "@127.0.0.1:" + port + "/?trustStorePassword=" + OPTION_SECRET));
        assertNoMessageShows(failure, SECRET);
        assertNoMessageShows(failure, OPTION_SECRET);
        assertNoLogShows(SECRET);
        assertNoLogShows(OPTION_SECRET);
    }

    @Test
    void a_client_message_quoting_a_secret_is_scrubbed_and_its_exception_not_attached() {
        RabbitMqSettings settings = RabbitMqSettings.parse(URI.create("amqp://app:" + SECRET + "@127.0.0.1/"),
                Map.of("trustStorePassword", OPTION_SECRET));
        IOException quoting = new IOException("keystore " + OPTION_SECRET + " and login " + SECRET + " refused");
        String reason = AmqpLink.Failures.reason(quoting, settings);
        assertFalse(reason.contains(OPTION_SECRET) || reason.contains(SECRET), reason);
        ConnectionException failure = AmqpLink.Failures.connection("could not connect: " + reason, quoting, settings);
        assertNoMessageShows(failure, OPTION_SECRET);
        assertNoMessageShows(failure, SECRET);
    }

    @Test
    void an_unknown_option_fails_before_connecting_naming_it() {
        IllegalArgumentException failure = assertThrows(IllegalArgumentException.class,
                () -> MessageBus.connect("amqp://app:" + SECRET + "@127.0.0.1:1/?prefech=10"));
        assertTrue(failure.getMessage().contains("prefech"), failure.getMessage());
        assertEquals(-1, failure.getMessage().indexOf(SECRET), failure.getMessage());
    }
}
