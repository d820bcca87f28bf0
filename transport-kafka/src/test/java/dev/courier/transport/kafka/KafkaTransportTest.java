package dev.courier.transport.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.api.ConnectionException;
import dev.courier.api.HealthStatus;
import dev.courier.spi.Consumer;
import dev.courier.spi.ConsumerSpec;
import dev.courier.spi.Delivery;
import dev.courier.spi.DeliverySink;
import dev.courier.spi.Destination;
import dev.courier.spi.Envelope;
import dev.courier.spi.Transport;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What the conformance suite cannot see from the public API: how the transport settles offsets,
 * rewinds on reject, bounds its in-flight deliveries and fails without a broker. Runs at the SPI
 * level against the real test broker.
 */
@Tag("broker")
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class KafkaTransportTest {

    private static final String RUN = UUID.randomUUID().toString().substring(0, 8);
    private static final AtomicInteger TEST_NUMBER = new AtomicInteger();
    private static final Duration WAIT = Duration.ofSeconds(30);

    private final List<AutoCloseable> resources = new ArrayList<>();
    private String prefix;

    @BeforeEach
    void name() {
        KafkaTestBroker.sharedUrl(); // skips (or fails under CI) when the broker is unreachable
        prefix = "kt-" + RUN + "-" + TEST_NUMBER.incrementAndGet();
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
    }

    private Transport open(Map<String, String> extra) {
        Map<String, String> options = new HashMap<>(Map.of("kafka.consumer.session.timeout.ms", "6000"));
        options.putAll(extra);
        Transport transport = new KafkaTransportProvider().open(
                URI.create("kafka://" + KafkaTestBroker.bootstrapServers()), options);
        resources.add(transport);
        return transport;
    }

    /** A transport whose topics have one partition, so the order of all records is known. */
    private Transport onePartition() {
        return open(Map.of("partitions", "1"));
    }

    private Consumer consume(Transport transport, Destination source, String group, int maxInFlight, DeliverySink sink) {
        Consumer consumer = transport.consume(new ConsumerSpec(source, group, maxInFlight), sink);
        resources.add(consumer);
        return consumer;
    }

    private static Envelope envelope(Destination destination, String text) {
        return new Envelope(UUID.randomUUID().toString(), destination, null, Map.of(),
                text.getBytes(StandardCharsets.UTF_8), "text/plain", Instant.now().truncatedTo(ChronoUnit.MILLIS));
    }

    private static List<Envelope> send(Transport transport, Destination destination, String... texts) {
        List<Envelope> sent = new ArrayList<>();
        for (String text : texts) {
            Envelope envelope = envelope(destination, text);
            transport.send(envelope).toCompletableFuture().join();
            sent.add(envelope);
        }
        return sent;
    }

    private static String text(Delivery delivery) {
        return new String(delivery.envelope().payload(), StandardCharsets.UTF_8);
    }

    @Test
    void a_rejected_record_and_the_later_ones_of_its_partition_come_again_with_a_higher_delivery_count() {
        Transport transport = onePartition();
        Destination topic = Destination.topic(prefix + ".reject");
        transport.declare(topic);
        RecordingSink sink = new RecordingSink();
        consume(transport, topic, "g", 10, sink);
        send(transport, topic, "a", "b", "c");

        Delivery a = sink.next();
        Delivery b = sink.next();
        Delivery c = sink.next();
        assertEquals(List.of("a", "b", "c"), List.of(text(a), text(b), text(c)));
        assertEquals(1, b.deliveryCount());
        a.ack();
        b.reject();
        c.ack(); // stale: c comes again after the rewind to b

        Delivery b2 = sink.next();
        Delivery c2 = sink.next();
        assertEquals(List.of("b", "c"), List.of(text(b2), text(c2)));
        assertEquals(2, b2.deliveryCount());
        assertEquals(2, c2.deliveryCount());
        assertEquals(b.envelope(), b2.envelope());
        b2.ack();
        c2.ack();
        sink.assertNothingMore();
    }

    @Test
    void an_unacked_record_is_never_skipped_by_the_commit_of_later_ones() {
        Transport transport = onePartition();
        Destination topic = Destination.topic(prefix + ".prefix");
        transport.declare(topic);
        RecordingSink first = new RecordingSink();
        Consumer consumer = consume(transport, topic, "g", 10, first);
        send(transport, topic, "slow", "fast1", "fast2");
        Delivery slow = first.next();
        first.next().ack();
        first.next().ack();
        assertEquals("slow", text(slow));
        consumer.stopFetching();
        consumer.close(); // "slow" was never settled

        RecordingSink second = new RecordingSink();
        consume(transport, topic, "g", 10, second);
        List<String> again = List.of(text(second.next()), text(second.next()), text(second.next()));
        assertEquals(List.of("slow", "fast1", "fast2"), again, "the commit stopped before the unfinished record");
    }

    @Test
    void acked_records_are_committed_and_not_seen_again_by_the_group() {
        Transport transport = onePartition();
        Destination topic = Destination.topic(prefix + ".acked");
        transport.declare(topic);
        RecordingSink first = new RecordingSink();
        Consumer consumer = consume(transport, topic, "g", 10, first);
        send(transport, topic, "one", "two");
        first.next().ack();
        Delivery two = first.next();
        consumer.stopFetching();
        two.ack(); // acks still count after stopFetching
        consumer.close();

        RecordingSink second = new RecordingSink();
        consume(transport, topic, "g", 10, second);
        send(transport, topic, "three");
        assertEquals("three", text(second.next()));
        second.assertNothingMore();
    }

    @Test
    void the_sink_never_holds_more_than_max_in_flight_deliveries() {
        Transport transport = open(Map.of());
        Destination topic = Destination.topic(prefix + ".bound");
        transport.declare(topic);
        RecordingSink sink = new RecordingSink();
        consume(transport, topic, "g", 3, sink);
        String[] texts = new String[30];
        for (int i = 0; i < texts.length; i++) {
            texts[i] = "m" + i;
        }
        send(transport, topic, texts);

        List<Delivery> held = new ArrayList<>(List.of(sink.next(), sink.next(), sink.next()));
        sink.assertNothingMore();
        int received = 3;
        while (received < texts.length) {
            held.remove(0).ack();
            held.add(sink.next());
            received++;
            assertEquals(3, held.size());
            assertTrue(sink.queue.isEmpty(), "never more than 3 unsettled");
        }
        held.forEach(Delivery::ack);
    }

    @Test
    void the_records_of_one_poll_reach_the_sink_in_one_call() {
        Transport transport = onePartition();
        Destination topic = Destination.topic(prefix + ".together");
        transport.declare(topic);
        send(transport, topic, "a", "b", "c", "d", "e"); // in the log before the group's first fetch
        List<Integer> calls = new CopyOnWriteArrayList<>();
        RecordingSink sink = new RecordingSink() {
            @Override
            public void deliverAll(List<? extends Delivery> deliveries) {
                calls.add(deliveries.size());
                super.deliverAll(deliveries);
            }
        };
        consume(transport, topic, "g", 10, sink);

        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            texts.add(text(sink.next()));
        }
        assertEquals(List.of("a", "b", "c", "d", "e"), texts);
        assertEquals(5, calls.stream().mapToInt(Integer::intValue).sum(), "every record through deliverAll: " + calls);
        assertTrue(calls.stream().anyMatch(size -> size > 1), "records fetched together, handed over together: " + calls);
    }

    @Test
    void stop_fetching_stops_new_deliveries() {
        Transport transport = onePartition();
        Destination topic = Destination.topic(prefix + ".stop");
        transport.declare(topic);
        RecordingSink sink = new RecordingSink();
        Consumer consumer = consume(transport, topic, "g", 10, sink);
        send(transport, topic, "before");
        sink.next().ack();
        consumer.stopFetching();
        send(transport, topic, "after");
        sink.assertNothingMore();
    }

    @Test
    void a_topic_and_a_work_queue_of_the_same_name_do_not_share_messages() {
        Transport transport = open(Map.of());
        String name = prefix + ".same";
        Destination topic = Destination.topic(name);
        Destination queue = Destination.queue(name);
        transport.declare(topic);
        transport.declare(queue);
        RecordingSink topicSink = new RecordingSink();
        RecordingSink queueSink = new RecordingSink();
        consume(transport, topic, "g", 10, topicSink);
        consume(transport, queue, null, 10, queueSink);

        send(transport, topic, "to-topic");
        send(transport, queue, "to-queue");

        Delivery fromTopic = topicSink.next();
        Delivery fromQueue = queueSink.next();
        assertEquals("to-topic", text(fromTopic));
        assertEquals(topic, fromTopic.envelope().destination());
        assertEquals("to-queue", text(fromQueue));
        assertEquals(queue, fromQueue.envelope().destination());
        fromTopic.ack();
        fromQueue.ack();
        topicSink.assertNothingMore();
        queueSink.assertNothingMore();
    }

    @Test
    void records_written_by_a_plain_kafka_producer_are_received() {
        Transport transport = open(Map.of());
        Destination topic = Destination.topic(prefix + ".foreign");
        transport.declare(topic);
        RecordingSink sink = new RecordingSink();
        consume(transport, topic, "g", 10, sink);
        try (KafkaProducer<byte[], byte[]> plain = new KafkaProducer<>(Map.of("bootstrap.servers",
                KafkaTestBroker.bootstrapServers()), new ByteArraySerializer(), new ByteArraySerializer())) {
            plain.send(new ProducerRecord<>(topic.name(), 0, "k".getBytes(StandardCharsets.UTF_8),
                    "raw".getBytes(StandardCharsets.UTF_8))).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        Envelope received = sink.next().envelope();
        assertEquals("raw", new String(received.payload(), StandardCharsets.UTF_8));
        assertEquals("k", received.key());
        assertTrue(received.id().startsWith(topic.name() + "-0-"), received.id());
        assertEquals("application/octet-stream", received.contentType());
    }

    @Test
    void a_group_on_the_new_consumer_protocol_works_too() {
        Transport transport = new KafkaTransportProvider().open(URI.create("kafka://" + KafkaTestBroker.bootstrapServers()),
                Map.of("kafka.group.protocol", "consumer"));
        resources.add(transport);
        Destination topic = Destination.topic(prefix + ".kip848");
        transport.declare(topic);
        RecordingSink sink = new RecordingSink();
        consume(transport, topic, "g", 10, sink);
        send(transport, topic, "hello");
        Delivery delivery = sink.next();
        assertEquals("hello", text(delivery));
        delivery.ack();
    }

    @Test
    void health_says_up_while_the_broker_answers() {
        Transport transport = open(Map.of());
        assertEquals(HealthStatus.UP, transport.state().status());
        Destination topic = Destination.topic(prefix + ".health");
        transport.declare(topic);
        Consumer consumer = consume(transport, topic, "g", 10, new RecordingSink());
        assertEquals(HealthStatus.UP, consumer.state().status());
        consumer.close();
        assertEquals(HealthStatus.CLOSED, consumer.state().status());
    }

    @Test
    void a_topic_name_kept_for_queues_is_refused_before_any_io() {
        Transport transport = open(Map.of());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> transport.declare(Destination.topic("courier.q." + prefix)));
        assertTrue(e.getMessage().contains("courier.q."), e.getMessage());
    }

    @Test
    void connecting_to_an_unreachable_broker_fails_in_bounded_time_naming_it_and_not_the_password() throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            port = socket.getLocalPort();
        }
        long started = System.nanoTime();
        ConnectionException e = assertThrows(ConnectionException.class, () -> new KafkaTransportProvider().open(
                URI.create("kafka://ada:hunter2@127.0.0.1:" + port), Map.of("connectTimeoutMs", "2000")));
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        assertTrue(e.getMessage().contains("127.0.0.1:" + port), e.getMessage());
        assertFalse(e.getMessage().contains("hunter2"), e.getMessage());
        assertTrue(millis < 6_000, "failed after " + millis + " ms");
    }

    /** Collects deliveries; waits for them with a timeout. */
    private static class RecordingSink implements DeliverySink {
        final BlockingQueue<Delivery> queue = new LinkedBlockingQueue<>();

        @Override
        public void deliver(Delivery delivery) {
            queue.add(delivery);
        }

        Delivery next() {
            try {
                Delivery delivery = queue.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
                assertNotNull(delivery, "no delivery within " + WAIT);
                return delivery;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }

        /** Nothing more arrives within a second (several poll cycles of the consumer). */
        void assertNothingMore() {
            try {
                Delivery extra = queue.poll(1, TimeUnit.SECONDS);
                assertNull(extra, () -> "unexpected delivery " + extra);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
