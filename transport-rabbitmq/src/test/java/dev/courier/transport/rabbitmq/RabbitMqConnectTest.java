package dev.courier.transport.rabbitmq;

import dev.courier.testkit.Brokers;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import java.io.IOException;
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
import org.slf4j.LoggerFactory;

/** Connecting: bounded failures that name the address, and a password that never shows. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class RabbitMqConnectTest {

    private static final String SECRET = "Sup3r-S3cret-Pw";

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
    void an_unknown_option_fails_before_connecting_naming_it() {
        IllegalArgumentException failure = assertThrows(IllegalArgumentException.class,
                () -> MessageBus.connect("amqp://app:" + SECRET + "@127.0.0.1:1/?prefech=10"));
        assertTrue(failure.getMessage().contains("prefech"), failure.getMessage());
        assertEquals(-1, failure.getMessage().indexOf(SECRET), failure.getMessage());
    }
}
