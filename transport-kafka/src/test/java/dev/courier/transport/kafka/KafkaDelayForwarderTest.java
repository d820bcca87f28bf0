package dev.courier.transport.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.spi.Capabilities;
import dev.courier.spi.ConsumerSpec;
import dev.courier.spi.Delivery;
import dev.courier.spi.DeliverySink;
import dev.courier.spi.Destination;
import dev.courier.spi.Envelope;
import dev.courier.spi.Transport;
import dev.courier.testkit.RestartableBroker;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Delayed delivery through the delay topics ({@link KafkaDelayForwarder}), at the transport level. */
@Tag("broker")
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class KafkaDelayForwarderTest {

    private static final String RUN = UUID.randomUUID().toString().substring(0, 8);
    private static final AtomicInteger TEST_NUMBER = new AtomicInteger();
    private static final Duration WAIT = Duration.ofSeconds(60);

    private final List<AutoCloseable> resources = new ArrayList<>();
    private String prefix;

    @BeforeEach
    void name() {
        prefix = "kd-" + RUN + "-" + TEST_NUMBER.incrementAndGet();
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
    }

    private Transport open(String url) {
        Transport transport = new KafkaTransportProvider().open(URI.create(url), Map.of());
        resources.add(transport);
        return transport;
    }

    /** Records arrivals with their time, acking each. */
    private record Arrival(Envelope envelope, Instant at) {
    }

    private static DeliverySink recording(BlockingQueue<Arrival> arrivals) {
        return delivery -> {
            arrivals.add(new Arrival(delivery.envelope(), Instant.now()));
            delivery.ack();
        };
    }

    private static Arrival next(BlockingQueue<Arrival> arrivals) throws InterruptedException {
        Arrival arrival = arrivals.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertNotNull(arrival, "nothing delivered within " + WAIT);
        return arrival;
    }

    private static Envelope delayed(Destination destination, String key, Instant due) {
        return new Envelope(UUID.randomUUID().toString(), destination, key, Map.of("h", "v ü"),
                "payload".getBytes(StandardCharsets.UTF_8), "text/plain", Instant.now().truncatedTo(ChronoUnit.MILLIS),
                "greeting", due);
    }

    private static void send(Transport transport, Envelope envelope) {
        transport.send(envelope).toCompletableFuture().orTimeout(30, TimeUnit.SECONDS).join();
    }

    /** Waits until the wall clock passed {@code instant}: the only way for a due time to pass. */
    private static void waitUntilPast(Instant instant) {
        while (!Instant.now().isAfter(instant)) {
            LockSupport.parkUntil(instant.toEpochMilli() + 1);
        }
    }

    @Test
    void the_level_is_the_longest_hold_not_above_the_remaining_delay() {
        assertEquals(0, KafkaDelayForwarder.level(-5));
        assertEquals(0, KafkaDelayForwarder.level(999));
        assertEquals(1, KafkaDelayForwarder.level(1_000));
        assertEquals(2, KafkaDelayForwarder.level(15_999));
        assertEquals(12, KafkaDelayForwarder.level(Duration.ofDays(365).toMillis()));
        assertEquals("courier.delay.250", KafkaDelayForwarder.topic(0));
        assertEquals(Duration.ofSeconds(4_194_304).toMillis(), KafkaDelayForwarder.holdMillis(12));
    }

    @Test
    void a_topic_under_the_delay_prefix_is_refused() {
        assertThrows(IllegalArgumentException.class, () -> KafkaNames.topic(Destination.topic("courier.delay.250")));
    }

    @Test
    void states_delayed_delivery() {
        assertTrue(open(KafkaTestBroker.sharedUrl()).capabilities().has(Capabilities.Feature.DELAYED_DELIVERY));
    }

    @Test
    void a_delayed_message_arrives_not_before_it_is_due_with_every_field_unchanged() throws Exception {
        Transport transport = open(KafkaTestBroker.sharedUrl());
        Destination topic = Destination.topic(prefix + ".delayed");
        transport.declare(topic);
        BlockingQueue<Arrival> arrivals = new LinkedBlockingQueue<>();
        resources.add(transport.consume(new ConsumerSpec(topic, "g", 16), recording(arrivals)));
        Envelope keyed = delayed(topic, "key-1", Instant.now().plusMillis(1_500));
        Envelope unkeyed = delayed(topic, null, Instant.now().plusMillis(300));

        send(transport, keyed);
        send(transport, unkeyed);

        List<Arrival> both = List.of(next(arrivals), next(arrivals));
        for (Envelope sent : List.of(keyed, unkeyed)) {
            Arrival arrival = both.stream().filter(a -> a.envelope().id().equals(sent.id())).findFirst().orElseThrow();
            assertFalse(arrival.at().isBefore(sent.deliverAt()), "arrived before due");
            assertEquals(sent.withDeliverAt(null), arrival.envelope());
        }
    }

    @Test
    void a_delayed_message_survives_a_broker_restart() throws Exception {
        RestartableBroker broker = KafkaTestBroker.restartable();
        Transport transport = open(broker.url());
        Destination queue = Destination.queue(prefix + ".restart");
        transport.declare(queue);
        Envelope sent = delayed(queue, "k", Instant.now().plusSeconds(5));
        send(transport, sent);

        broker.stop();
        broker.start();
        BlockingQueue<Arrival> arrivals = new LinkedBlockingQueue<>();
        resources.add(transport.consume(new ConsumerSpec(queue, null, 16), recording(arrivals)));

        assertEquals(sent.withDeliverAt(null), next(arrivals).envelope());
    }

    @Test
    void messages_that_came_due_while_every_transport_was_closed_arrive_when_one_consumes_again() throws Exception {
        String url = KafkaTestBroker.sharedUrl();
        Destination queue = Destination.queue(prefix + ".closed");
        Envelope sent;
        try (Transport publisher = new KafkaTransportProvider().open(URI.create(url), Map.of())) {
            publisher.declare(queue);
            sent = delayed(queue, null, Instant.now().plusMillis(1_500));
            send(publisher, sent);
        }
        waitUntilPast(sent.deliverAt());

        Transport transport = open(url);
        BlockingQueue<Arrival> arrivals = new LinkedBlockingQueue<>();
        resources.add(transport.consume(new ConsumerSpec(queue, null, 16), recording(arrivals)));

        assertEquals(sent.withDeliverAt(null), next(arrivals).envelope());
    }
}
