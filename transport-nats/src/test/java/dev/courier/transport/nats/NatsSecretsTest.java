package dev.courier.transport.nats;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.read.ListAppender;
import dev.courier.api.ConnectionException;
import dev.courier.api.MessageBus;
import dev.courier.spi.Destination;
import dev.courier.spi.Envelope;
import dev.courier.spi.Transport;
import dev.courier.testkit.SecretsSuite;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * A token URL and secret options appear in no log line, exception message, {@code toString()} or
 * health detail of the NATS transport, from connecting to closing.
 */
@Tag("broker")
class NatsSecretsTest extends SecretsSuite {

    private static final String TOKEN = "s3cr3tT0kenXYZ";
    private static final String TRUST_STORE_PASSWORD = "tRuStPa55word";

    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    private final Logger courier = (Logger) LoggerFactory.getLogger("dev.courier");
    private Level courierLevel;
    private final List<String> seen = new ArrayList<>();
    private String prefix;

    @Override
    protected void beforeEachTest() {
        NatsTestBroker.require();
    }

    @Override
    protected List<String> urlsWithSecrets() {
        String server = NatsSettings.parse(URI.create(NatsTestBroker.URL.replaceAll("\\?.*", "")), Map.of()).servers().get(0);
        return List.of(
                "nats://" + TOKEN + "@" + server + "?trustStorePassword=" + TRUST_STORE_PASSWORD,
                "nats://app:" + TOKEN + "@" + server + "?trustStorePassword=" + TRUST_STORE_PASSWORD,
                "nats://" + TOKEN + "@127.0.0.1:1?connectTimeout=2s&trustStorePassword=" + TRUST_STORE_PASSWORD);
    }

    @Override
    protected List<String> secrets() {
        return List.of(TOKEN, TRUST_STORE_PASSWORD);
    }

    @BeforeEach
    void captureLogs() {
        NatsTestBroker.require();
        prefix = NatsTestBroker.uniquePrefix();
        courierLevel = courier.getLevel();
        courier.setLevel(Level.DEBUG);
        logs.start();
        root.addAppender(logs);
    }

    @AfterEach
    void restoreLogs() {
        root.detachAppender(logs);
        courier.setLevel(courierLevel);
        NatsTestBroker.deleteStreams(NatsTestBroker.URL, prefix);
    }

    @Test
    void aTokenAndASecretOptionAppearNowhereFromConnectToClose() {
        String server = NatsSettings.parse(URI.create(NatsTestBroker.URL.replaceAll("\\?.*", "")), Map.of()).servers().get(0);
        Transport transport = new NatsTransportProvider().open(URI.create("nats://" + TOKEN + "@" + server),
                Map.of("trustStorePassword", TRUST_STORE_PASSWORD));
        seen.add(transport.toString());
        seen.add(transport.state().toString());
        Destination declared = Destination.topic(prefix + ".declared");
        transport.declare(declared);
        Destination missing = Destination.topic(prefix + ".never.declared");
        seeFailure(assertThrows(CompletionException.class, () -> send(transport, missing)));
        transport.close();
        seen.add(transport.state().toString());
        seeFailure(assertThrows(CompletionException.class, () -> send(transport, declared)));
        seeFailure(assertThrows(IllegalStateException.class, () -> transport.declare(declared)));

        assertNoSecretSeen();
    }

    @Test
    void aTokenAndASecretOptionAppearNowhereThroughAWholeBus() {
        String server = NatsSettings.parse(URI.create(NatsTestBroker.URL.replaceAll("\\?.*", "")), Map.of()).servers().get(0);
        MessageBus bus = MessageBus.connect("nats://" + TOKEN + "@" + server + "?trustStorePassword=" + TRUST_STORE_PASSWORD);
        String topic = prefix + ".bus";
        bus.subscribe(topic, "g", String.class, message -> { });
        bus.publish(topic, "hello").toCompletableFuture().join();
        seen.add(bus.toString());
        seen.add(bus.health().toString());
        bus.close();
        seen.add(bus.health().toString());
        seeFailure(assertThrows(RuntimeException.class, () -> bus.publish(topic, "late").toCompletableFuture().join()));

        assertNoSecretSeen();
    }

    @Test
    void aTokenAppearsInNoMessageWhenTheServerCannotBeReached() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        URI url = URI.create("nats://" + TOKEN + "@127.0.0.1:" + port);
        ConnectionException refused = assertThrows(ConnectionException.class, () -> new NatsTransportProvider()
                .open(url, Map.of("connectTimeout", "1s", "trustStorePassword", TRUST_STORE_PASSWORD)));
        seeFailure(refused);

        assertNoSecretSeen();
    }

    private static void send(Transport transport, Destination destination) {
        Envelope envelope = new Envelope("id-" + System.nanoTime(), destination, null, Map.of(), new byte[] {1},
                "application/octet-stream", Instant.now().truncatedTo(ChronoUnit.MILLIS));
        transport.send(envelope).toCompletableFuture().orTimeout(15, TimeUnit.SECONDS).join();
    }

    private void seeFailure(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            seen.add(cause.toString());
        }
    }

    private void assertNoSecretSeen() {
        for (ILoggingEvent event : logs.list) {
            seen.add(event.getFormattedMessage());
            for (IThrowableProxy thrown = event.getThrowableProxy(); thrown != null; thrown = thrown.getCause()) {
                seen.add(thrown.getClassName() + ": " + thrown.getMessage());
            }
        }
        assertTrue(seen.size() > 3, "nothing was captured: " + seen);
        for (String text : seen) {
            assertFalse(text != null && (text.contains(TOKEN) || text.contains(TRUST_STORE_PASSWORD)),
                    "a secret leaked: " + text);
        }
    }
}
