package dev.courier.transport.nats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.api.HealthStatus;
import dev.courier.spi.Capabilities;
import dev.courier.spi.ConsumerSpec;
import dev.courier.spi.Destination;
import dev.courier.spi.Envelope;
import dev.courier.spi.Transport;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Delayed delivery through the delay stream ({@link NatsDelayStream}), at the transport level. */
@Tag("broker")
class NatsDelayStreamTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private String prefix;
    private final List<AutoCloseable> resources = new ArrayList<>();

    @BeforeEach
    void setUp() {
        NatsTestBroker.require();
        prefix = NatsTestBroker.uniquePrefix();
    }

    @AfterEach
    void cleanUp() throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
        NatsTestBroker.deleteStreams(NatsTestBroker.URL, prefix);
    }

    private Transport open(String url) {
        Transport transport = new NatsTransportProvider().open(URI.create(url), Map.of());
        resources.add(transport);
        return transport;
    }

    private NatsServerProcess ownServer() {
        NatsServerProcess server = NatsServerProcess.forRestarts("");
        resources.add(server);
        return server;
    }

    private static Envelope delayed(Destination destination, Instant due) {
        return new Envelope(UUID.randomUUID().toString(), destination, "key-1", Map.of("h", "v ü"),
                "payload".getBytes(), "text/plain", Instant.now().truncatedTo(ChronoUnit.MILLIS), "greeting", due);
    }

    private static void send(Transport transport, Envelope envelope) {
        transport.send(envelope).toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join();
    }

    /** Waits until the wall clock passed {@code instant}: the only way for a due time to pass. */
    private static void waitUntilPast(Instant instant) {
        while (!Instant.now().isAfter(instant)) {
            LockSupport.parkUntil(instant.toEpochMilli() + 1);
        }
    }

    @Test
    void states_delayed_delivery() {
        assertTrue(open(NatsTestBroker.URL).capabilities().has(Capabilities.Feature.DELAYED_DELIVERY));
    }

    @Test
    void a_delayed_message_arrives_not_before_it_is_due_with_every_field_unchanged() {
        Transport transport = open(NatsTestBroker.URL);
        Destination topic = Destination.topic(prefix + ".delayed");
        transport.declare(topic);
        Map<String, Instant> arrivals = new ConcurrentHashMap<>();
        RecordingSink sink = new RecordingSink(true);
        transport.consume(new ConsumerSpec(topic, "g", 16), delivery -> {
            arrivals.put(delivery.envelope().id(), Instant.now());
            sink.deliver(delivery);
        });
        Envelope sent = delayed(topic, Instant.now().plusMillis(1_500));

        send(transport, sent);

        Envelope received = sink.awaitCount(1, WAIT).get(0).envelope();
        assertFalse(arrivals.get(sent.id()).isBefore(sent.deliverAt()), "arrived before due");
        assertEquals(sent.withDeliverAt(null), received);
        assertNull(received.deliverAt());
        assertArrayEquals(sent.payload(), received.payload());
    }

    @Test
    void a_delayed_message_survives_a_server_restart() throws Exception {
        NatsServerProcess server = ownServer();
        Transport transport = open(server.url());
        Destination queue = Destination.queue(prefix + ".restart");
        transport.declare(queue);
        Envelope sent = delayed(queue, Instant.now().plusSeconds(3));
        send(transport, sent);

        server.stop();
        server.start();
        RecordingSink sink = new RecordingSink(true);
        transport.consume(new ConsumerSpec(queue, null, 16), sink);

        assertEquals(sent.withDeliverAt(null), sink.awaitCount(1, WAIT).get(0).envelope());
    }

    @Test
    void messages_that_came_due_while_every_transport_was_closed_arrive_when_one_consumes_again() throws Exception {
        NatsServerProcess server = ownServer();
        Destination queue = Destination.queue(prefix + ".closed");
        Envelope sent;
        try (Transport publisher = new NatsTransportProvider().open(URI.create(server.url()), Map.of())) {
            publisher.declare(queue);
            sent = delayed(queue, Instant.now().plusMillis(500));
            send(publisher, sent);
        }
        waitUntilPast(sent.deliverAt());

        Transport transport = open(server.url());
        RecordingSink sink = new RecordingSink(true);
        transport.consume(new ConsumerSpec(queue, null, 16), sink);

        assertEquals(sent.withDeliverAt(null), sink.awaitCount(1, WAIT).get(0).envelope());
    }

    @Test
    void a_due_message_whose_stream_is_gone_is_kept_health_says_so_and_it_arrives_once_the_stream_is_back() throws Exception {
        NatsServerProcess server = ownServer();
        Transport transport = open(server.url());
        Destination queue = Destination.queue(prefix + ".gone");
        transport.declare(queue);
        Envelope sent = delayed(queue, Instant.now().plusMillis(500));
        send(transport, sent);
        NatsTestBroker.deleteStreams(server.url(), prefix);

        awaitStatus(transport, HealthStatus.DEGRADED);
        Transport another = open(server.url()); // this one remembers the queue as declared
        another.declare(queue);
        RecordingSink sink = new RecordingSink(true);
        another.consume(new ConsumerSpec(queue, null, 16), sink);

        assertEquals(sent.withDeliverAt(null), sink.awaitCount(1, WAIT).get(0).envelope());
        awaitStatus(transport, HealthStatus.UP);
    }

    private static void awaitStatus(Transport transport, HealthStatus wanted) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (transport.state().status() != wanted) {
            assertTrue(System.nanoTime() - deadline < 0, "state still " + transport.state() + ", not " + wanted);
            TimeUnit.MILLISECONDS.sleep(50); // polling the state, which has no notification
        }
    }

    @Test
    void a_message_scheduled_again_with_the_same_id_is_delivered_again() {
        Transport transport = open(NatsTestBroker.URL);
        Destination queue = Destination.queue(prefix + ".again");
        transport.declare(queue);
        RecordingSink sink = new RecordingSink(true);
        transport.consume(new ConsumerSpec(queue, null, 16), sink);
        Envelope first = delayed(queue, Instant.now().plusMillis(200));
        send(transport, first);
        sink.awaitCount(1, WAIT);

        send(transport, first.withDeliverAt(Instant.now().plusMillis(200)));

        assertEquals(first.id(), sink.awaitCount(2, WAIT).get(1).envelope().id());
    }
}
