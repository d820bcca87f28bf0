package dev.courier.transport.aws;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.api.HealthStatus;
import dev.courier.spi.Capabilities;
import dev.courier.spi.ConsumerSpec;
import dev.courier.spi.Delivery;
import dev.courier.spi.DeliverySink;
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
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Delayed delivery through the delay queue ({@link AwsDelayQueue}), at the transport level, on moto. */
class AwsDelayQueueTest {

    private static final Duration WAIT = Duration.ofSeconds(60);

    private String prefix;
    private final List<AutoCloseable> resources = new ArrayList<>();

    @BeforeEach
    void setUp() {
        MotoServer.require();
        prefix = MotoServer.uniquePrefix();
    }

    @AfterEach
    void cleanUp() throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
    }

    /** The tests' settings: the URL's query as options, as core hands them over. */
    private static AwsSettings settings() {
        URI url = URI.create(MotoServer.url());
        Map<String, String> options = new java.util.HashMap<>();
        if (url.getQuery() != null) {
            for (String pair : url.getQuery().split("&")) {
                int equals = pair.indexOf('=');
                options.put(pair.substring(0, equals), pair.substring(equals + 1));
            }
        }
        return AwsSettings.parse(URI.create("aws://" + url.getHost()), options);
    }

    private Transport open(int maxHopSeconds) {
        Transport transport = AwsTransport.connect(settings(), maxHopSeconds);
        resources.add(transport);
        return transport;
    }

    private Transport open() {
        return open(AwsDelayQueue.MAX_HOP_SECONDS);
    }

    private static Envelope delayed(Destination destination, Instant due) {
        return new Envelope(UUID.randomUUID().toString(), destination, "key-1", Map.of("h", "v ü", "tenant", "acme"),
                "payload".getBytes(), "text/plain", Instant.now().truncatedTo(ChronoUnit.MILLIS), "greeting", due);
    }

    private static void send(Transport transport, Envelope envelope) {
        transport.send(envelope).toCompletableFuture().orTimeout(60, TimeUnit.SECONDS).join();
    }

    /** Records deliveries with their arrival time and acks them. */
    private static final class Sink implements DeliverySink {
        final Map<String, Instant> arrivals = new ConcurrentHashMap<>();
        private final List<Envelope> envelopes = new ArrayList<>();

        @Override
        public synchronized void deliver(Delivery delivery) {
            arrivals.putIfAbsent(delivery.envelope().id(), Instant.now());
            envelopes.add(delivery.envelope());
            notifyAll();
            delivery.ack();
        }

        synchronized Envelope awaitFirst(Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (envelopes.isEmpty()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    Assertions.fail("no delivery within " + timeout);
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
            return envelopes.get(0);
        }
    }

    private static void awaitStatus(Transport transport, HealthStatus wanted) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (transport.state().status() != wanted) {
            assertTrue(System.nanoTime() - deadline < 0, "state still " + transport.state() + ", not " + wanted);
            TimeUnit.MILLISECONDS.sleep(50); // polling the state, which has no notification
        }
    }

    /** Waits until the wall clock passed {@code instant}: the only way for a due time to pass. */
    private static void waitUntilPast(Instant instant) {
        while (!Instant.now().isAfter(instant)) {
            LockSupport.parkUntil(instant.toEpochMilli() + 1);
        }
    }

    @Test
    void states_delayed_delivery_with_a_granularity_of_two_seconds() {
        Capabilities capabilities = open().capabilities();
        assertTrue(capabilities.has(Capabilities.Feature.DELAYED_DELIVERY));
        assertTrue(capabilities.has(Capabilities.Feature.EPHEMERAL_DESTINATIONS));
        assertEquals(Duration.ofSeconds(2), capabilities.delays().granularity());
    }

    @Test
    void a_delayed_message_arrives_not_before_it_is_due_with_every_field_unchanged() throws Exception {
        Transport transport = open();
        Destination topic = Destination.topic(prefix + "-delayed");
        transport.declare(topic);
        Sink sink = new Sink();
        transport.consume(new ConsumerSpec(topic, "g", 16), sink);
        Envelope sent = delayed(topic, Instant.now().plusMillis(1_500));

        send(transport, sent);

        Envelope received = sink.awaitFirst(WAIT);
        assertFalse(sink.arrivals.get(sent.id()).isBefore(sent.deliverAt()), "arrived before due");
        assertEquals(sent.withDeliverAt(null), received);
        assertNull(received.deliverAt());
        assertArrayEquals(sent.payload(), received.payload());
    }

    @Test
    void a_delay_longer_than_one_hop_is_held_again_until_it_is_due() throws Exception {
        Transport transport = open(1);
        Destination queue = Destination.queue(prefix + "-hops");
        transport.declare(queue);
        Sink sink = new Sink();
        transport.consume(new ConsumerSpec(queue, null, 16), sink);
        Envelope sent = delayed(queue, Instant.now().plusMillis(4_500)); // one-second hops: five of them

        send(transport, sent);

        Envelope received = sink.awaitFirst(WAIT);
        assertFalse(sink.arrivals.get(sent.id()).isBefore(sent.deliverAt()), "arrived before due, after one hop");
        assertEquals(sent.withDeliverAt(null), received);
    }

    @Test
    void a_message_that_came_due_while_every_transport_was_closed_arrives_when_one_consumes_again() throws Exception {
        Destination queue = Destination.queue(prefix + "-closed");
        Envelope sent;
        try (Transport publisher = AwsTransport.connect(settings())) {
            publisher.declare(queue);
            sent = delayed(queue, Instant.now().plusMillis(1_000));
            send(publisher, sent);
        }
        waitUntilPast(sent.deliverAt().plusSeconds(1));

        Transport transport = open();
        Sink sink = new Sink();
        transport.consume(new ConsumerSpec(queue, null, 16), sink);

        assertEquals(sent.withDeliverAt(null), sink.awaitFirst(WAIT));
    }

    @Test
    void a_refused_forward_is_kept_health_says_so_and_it_arrives_once_the_queue_is_back() throws Exception {
        Transport transport = open();
        Destination queue = Destination.queue(prefix + "-gone");
        transport.declare(queue);
        Envelope sent = delayed(queue, Instant.now().plusMillis(1_000));
        send(transport, sent);
        try (AwsTestClients clients = new AwsTestClients()) {
            String url = clients.queueUrl(queue.name());
            clients.sqs.deleteQueue(r -> r.queueUrl(url)).join();
        }

        awaitStatus(transport, HealthStatus.DEGRADED);
        assertTrue(transport.state().detail().contains("kept"), transport.state().toString());
        Transport another = open();
        another.declare(queue); // the queue is back, under the same name
        Sink sink = new Sink();
        another.consume(new ConsumerSpec(queue, null, 16), sink);

        assertEquals(sent.withDeliverAt(null), sink.awaitFirst(WAIT));
        awaitStatus(transport, HealthStatus.UP);
    }
}
