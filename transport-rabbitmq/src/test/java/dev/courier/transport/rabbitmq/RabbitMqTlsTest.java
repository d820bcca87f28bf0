package dev.courier.transport.rabbitmq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.api.ConnectionException;
import dev.courier.api.MessageBus;
import dev.courier.testkit.Inbox;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code amqps://} through a TLS front of the test broker with a self-signed certificate. */
@Tag("broker")
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class RabbitMqTlsTest {

    @TempDir
    static Path directory;
    private static TlsProxy proxy;

    /** One certificate and front for the class: generating an RSA key takes seconds here. */
    @BeforeAll
    static void startTlsFront() throws Exception {
        TestBroker.requireReachable();
        proxy = TlsProxy.start(directory, TestBroker.SETTINGS.host(), TestBroker.SETTINGS.port());
    }

    @AfterAll
    static void stopTlsFront() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
    }

    private static String url(String query) {
        return "amqps://" + TestBroker.SETTINGS.user() + ":" + URLEncoder.encode(TestBroker.SETTINGS.password(), StandardCharsets.UTF_8)
                + "@127.0.0.1:" + proxy.port() + "/" + query;
    }

    @Test
    void amqps_with_a_given_trust_store_carries_messages() throws Exception {
        String trust = "?trustStore=" + URLEncoder.encode(proxy.trustStore().toString(), StandardCharsets.UTF_8)
                + "&trustStorePassword=" + TlsProxy.TRUST_STORE_PASSWORD;
        String topic = "rs-" + UUID.randomUUID().toString().substring(0, 8) + ".tls";
        try (MessageBus bus = MessageBus.connect(url(trust))) {
            Inbox<String> inbox = new Inbox<>();
            bus.subscribe(topic, "g", String.class, inbox);
            bus.publish(topic, "over TLS").toCompletableFuture().get(20, TimeUnit.SECONDS);
            assertEquals("over TLS", inbox.awaitCount(1, Duration.ofSeconds(20)).get(0).payload());
        } finally {
            TestBroker.delete(List.of(topic + ".g", topic + ".g.dlq"), List.of(topic));
        }
    }

    @Test
    void amqps_refuses_a_certificate_the_jvm_does_not_trust_naming_host_and_port() {
        ConnectionException failure = assertThrows(ConnectionException.class, () -> MessageBus.connect(url("")));
        assertTrue(failure.getMessage().contains("127.0.0.1:" + proxy.port()), failure.getMessage());
    }
}
