package dev.courier.transport.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.courier.api.HealthStatus;
import dev.courier.spi.Consumer;
import dev.courier.spi.ConsumerSpec;
import dev.courier.spi.Delivery;
import dev.courier.spi.Destination;
import dev.courier.spi.Envelope;
import dev.courier.spi.Transport;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Health while the broker is away, and recovery without user action once it is back. */
@Tag("restart")
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class KafkaBrokerOutageTest {

    @Test
    void health_reports_reconnecting_while_the_broker_is_down_and_up_once_the_consumer_resumed() throws Exception {
        KafkaTestBroker broker = KafkaTestBroker.restartable();
        String prefix = "ko-" + UUID.randomUUID().toString().substring(0, 8);
        Destination topic = Destination.topic(prefix + ".outage");
        BlockingQueue<Delivery> received = new LinkedBlockingQueue<>();
        try (Transport transport = new KafkaTransportProvider().open(URI.create("kafka://" + broker.bootstrap()),
                Map.of("kafka.consumer.session.timeout.ms", "6000"))) {
            transport.declare(topic);
            Consumer consumer = transport.consume(new ConsumerSpec(topic, "g", 10), received::add);
            assertEquals(HealthStatus.UP, transport.state().status());

            broker.stop();
            try {
                eventually(() -> transport.state().status() == HealthStatus.RECONNECTING, Duration.ofSeconds(30),
                        "the transport to report RECONNECTING");
                assertEquals(HealthStatus.RECONNECTING, consumer.state().status());
                assertTrue(transport.state().detail().contains(broker.bootstrap()), transport.state().detail());
            } finally {
                broker.start();
            }
            eventually(() -> transport.state().status() == HealthStatus.UP, Duration.ofSeconds(30),
                    "the transport to report UP again");

            Envelope envelope = new Envelope(UUID.randomUUID().toString(), topic, null, Map.of(),
                    "after".getBytes(StandardCharsets.UTF_8), "text/plain", Instant.now().truncatedTo(ChronoUnit.MILLIS));
            transport.send(envelope).toCompletableFuture().get(30, TimeUnit.SECONDS);
            Delivery delivery = received.poll(60, TimeUnit.SECONDS);
            assertEquals(envelope, delivery == null ? null : delivery.envelope(), "the consumer resumed by itself");
            delivery.ack();
            eventually(() -> consumer.state().status() == HealthStatus.UP, Duration.ofSeconds(30), "the consumer UP");
            consumer.close();
        }
    }

    /** Checks {@code condition} every 100 ms until it holds, failing after {@code timeout}. */
    private static void eventually(BooleanSupplier condition, Duration timeout, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                fail("timed out after " + timeout + " waiting for " + what);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
        }
    }
}
