package dev.courier.transport.rabbitmq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import dev.courier.api.Message;
import dev.courier.api.MessageBus;
import dev.courier.api.Subscription;
import dev.courier.spi.ConsumerSpec;
import dev.courier.spi.Delivery;
import dev.courier.spi.Destination;
import dev.courier.spi.Envelope;
import dev.courier.spi.Transport;
import dev.courier.testkit.Inbox;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Messages written by other AMQP clients, through the real broker: a stable id and timestamp on
 * every delivery, CloudEvents under both prefixes of the binding, header values of every AMQP type.
 */
@Tag("broker")
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class RabbitMqForeignMessagesTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    private final String prefix = "rf-" + UUID.randomUUID().toString().substring(0, 8);
    private final List<Transport> transports = new ArrayList<>();
    private final Set<String> queues = ConcurrentHashMap.newKeySet();
    private final Set<String> exchanges = ConcurrentHashMap.newKeySet();

    @BeforeEach
    void brokerIsUp() {
        TestBroker.requireReachable();
    }

    @AfterEach
    void cleanUp() {
        transports.forEach(Transport::close);
        TestBroker.delete(queues, exchanges);
    }

    private Transport open() {
        Transport transport = new RabbitMqTransportProvider().open(URI.create(TestBroker.URL), Map.of());
        transports.add(transport);
        return transport;
    }

    private Destination workQueue(String suffix) {
        String name = prefix + "." + suffix;
        queues.add(name);
        return Destination.queue(name);
    }

    private static Delivery next(BlockingQueue<Delivery> deliveries) throws InterruptedException {
        Delivery delivery = deliveries.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertNotNull(delivery, "no delivery within " + WAIT);
        return delivery;
    }

    /** Consumes {@code queue} on a new transport, declaring it. */
    private BlockingQueue<Delivery> consume(Destination queue) {
        BlockingQueue<Delivery> deliveries = new LinkedBlockingQueue<>();
        open().consume(new ConsumerSpec(queue, null, 4), deliveries::add);
        return deliveries;
    }

    private static void publishRaw(Destination queue, AMQP.BasicProperties properties, String body) throws Exception {
        try (Connection connection = TestBroker.adminConnection(); Channel channel = connection.createChannel()) {
            channel.basicPublish("", queue.name(), properties, body.getBytes(StandardCharsets.UTF_8));
        }
    }

    @Test
    void a_message_without_message_id_has_the_same_id_and_timestamp_when_redelivered() throws Exception {
        Destination jobs = workQueue("no-id");
        BlockingQueue<Delivery> deliveries = consume(jobs);
        try (RabbitMqForeignProducer producer = new RabbitMqForeignProducer()) {
            producer.submit(jobs.name(), Map.of("region", "eu"), "{\"n\":1}".getBytes(StandardCharsets.UTF_8));
            producer.submit(jobs.name(), Map.of("region", "eu"), "{\"n\":2}".getBytes(StandardCharsets.UTF_8));
        }

        Delivery first = next(deliveries);
        Delivery other = next(deliveries);
        first.reject(); // the handler failed: the broker delivers it again
        Delivery again = next(deliveries);
        assertEquals(2, again.deliveryCount(), "a broker redelivery");
        assertEquals(first.envelope().id(), again.envelope().id());
        assertEquals(first.envelope().timestamp(), again.envelope().timestamp());
        assertEquals(first.envelope(), again.envelope(), "the redelivery looks like the first delivery");
        assertNotEquals(first.envelope().id(), other.envelope().id(), "another message, another id");
        again.ack();
        other.ack();
    }

    @Test
    void the_foreign_producer_reaches_courier_groups_and_work_queues() throws Exception {
        String topic = prefix + ".foreign-topic";
        exchanges.add(topic);
        queues.add(RabbitMqTransport.groupQueue(topic, "g"));
        Destination jobs = workQueue("foreign-jobs");
        try (MessageBus bus = MessageBus.connect(TestBroker.URL);
             RabbitMqForeignProducer producer = new RabbitMqForeignProducer()) {
            Inbox<String> group = new Inbox<>();
            Subscription subscription = bus.subscribe(topic, "g", String.class, group);
            queues.add(subscription.deadLetterQueue());
            Inbox<String> worker = new Inbox<>();
            queues.add(bus.workQueue(jobs.name(), String.class).work(worker).deadLetterQueue());

            producer.publish(topic, "k-1", Map.of("region", "eu"), "plain".getBytes(StandardCharsets.UTF_8));
            producer.publishCloudEvent(topic, "cloudEvents:", Map.of("id", "evt-3", "specversion", "1.0",
                    "source", "/shop", "type", "order.placed", "datacontenttype", "text/plain"),
                    "event".getBytes(StandardCharsets.UTF_8));
            producer.submit(jobs.name(), Map.of(), "job".getBytes(StandardCharsets.UTF_8));

            List<Message<String>> received = group.awaitCount(2, WAIT);
            Message<String> plain = received.stream().filter(m -> m.payload().equals("plain")).findFirst().orElseThrow();
            assertEquals(Map.of("region", "eu"), plain.headers());
            Message<String> event = received.stream().filter(m -> m.payload().equals("event")).findFirst().orElseThrow();
            assertEquals("evt-3", event.id());
            assertEquals("text/plain", event.contentType());
            assertEquals("/shop", event.headers().get("cloudEvents:source"));
            assertEquals("job", worker.awaitCount(1, WAIT).get(0).payload());
            assertThrows(IOException.class, () -> producer.submit(prefix + ".no-such-queue", Map.of(), new byte[0]),
                    "a work queue that does not exist");
        }
    }

    @Test
    void a_message_without_message_id_has_the_same_id_on_another_member_after_a_reconnect() throws Exception {
        Destination jobs = workQueue("no-id-member");
        Transport memberA = open();
        BlockingQueue<Delivery> atA = new LinkedBlockingQueue<>();
        memberA.consume(new ConsumerSpec(jobs, null, 4), atA::add);
        publishRaw(jobs, new AMQP.BasicProperties.Builder().timestamp(new Date(1_764_000_000_000L)).build(), "once");
        Envelope seenByA = next(atA).envelope();
        memberA.close(); // unacked: the broker gives it to the next member

        Envelope seenByB = next(consume(jobs)).envelope();
        assertEquals(seenByA.id(), seenByB.id());
        assertEquals(Instant.ofEpochSecond(1_764_000_000L), seenByB.timestamp(), "the timestamp property");
        assertEquals(seenByA, seenByB);
    }

    @Test
    void the_timestamp_in_ms_header_gives_a_foreign_message_its_millisecond_timestamp() throws Exception {
        Destination jobs = workQueue("ts-ms");
        BlockingQueue<Delivery> deliveries = consume(jobs);
        publishRaw(jobs, new AMQP.BasicProperties.Builder()
                .timestamp(new Date(1_764_000_000_000L))
                .headers(Map.of("timestamp_in_ms", 1_764_000_000_123L)).build(), "stamped");
        publishRaw(jobs, null, "unstamped");

        Envelope stamped = next(deliveries).envelope();
        assertEquals(Instant.ofEpochMilli(1_764_000_000_123L), stamped.timestamp());
        assertEquals("1764000000123", stamped.headers().get("timestamp_in_ms"), "still visible as a header");
        Envelope unstamped = next(deliveries).envelope();
        assertEquals(Instant.EPOCH, unstamped.timestamp(), "unknown, but the same on every delivery");
    }

    @Test
    void a_cloud_event_under_the_colon_prefix_is_read_and_its_other_attributes_stay_visible() throws Exception {
        Destination jobs = workQueue("ce-colon");
        BlockingQueue<Delivery> deliveries = consume(jobs);
        Map<String, String> attributes = new LinkedHashMap<>();
        attributes.put("id", "evt-7");
        attributes.put("specversion", "1.0");
        attributes.put("source", "/billing");
        attributes.put("type", "invoice.paid");
        attributes.put("subject", "inv-9");
        attributes.put("time", "2026-11-24T10:00:00.250Z");
        attributes.put("tenant", "acme");
        attributes.put("datacontenttype", "application/json");
        try (RabbitMqForeignProducer producer = new RabbitMqForeignProducer()) {
            for (String cePrefix : producer.cloudEventsPrefixes()) {
                Map<String, Object> headers = new HashMap<>();
                attributes.forEach((name, value) -> {
                    if (!name.equals("datacontenttype")) {
                        headers.put(cePrefix + name, value);
                    }
                });
                publishRaw(jobs, new AMQP.BasicProperties.Builder().headers(headers).contentType("application/json").build(),
                        "{}");
            }
        }

        for (String cePrefix : List.of("cloudEvents_", "cloudEvents:")) {
            Envelope event = next(deliveries).envelope();
            assertEquals("evt-7", event.id(), cePrefix);
            assertEquals(Instant.parse("2026-11-24T10:00:00.250Z"), event.timestamp(), cePrefix);
            assertEquals("application/json", event.contentType(), cePrefix);
            assertEquals(Map.of(cePrefix + "specversion", "1.0", cePrefix + "source", "/billing",
                    cePrefix + "type", "invoice.paid", cePrefix + "subject", "inv-9", cePrefix + "tenant", "acme"),
                    event.headers(), cePrefix);
        }
    }

    @Test
    void a_foreign_cloud_event_sent_on_as_a_dead_letter_reads_back_the_same() throws Exception {
        Destination jobs = workQueue("ce-on");
        Destination dlq = workQueue("ce-on.dlq");
        BlockingQueue<Delivery> deliveries = consume(jobs);
        BlockingQueue<Delivery> deadLetters = consume(dlq);
        Transport sender = open();
        for (String cePrefix : List.of("cloudEvents_", "cloudEvents:")) {
            Map<String, Object> headers = new HashMap<>();
            headers.put(cePrefix + "id", "evt-" + cePrefix);
            headers.put(cePrefix + "specversion", "1.0");
            headers.put(cePrefix + "source", "/billing");
            headers.put(cePrefix + "type", "invoice.paid");
            headers.put(cePrefix + "subject", "inv-9");
            headers.put(cePrefix + "tenant", "acme");
            headers.put(cePrefix + "time", "2026-11-24T10:00:00.250Z");
            headers.put("region", "eu");
            publishRaw(jobs, new AMQP.BasicProperties.Builder().headers(headers).contentType("application/json").build(),
                    "{}");
            Envelope received = next(deliveries).envelope();
            sender.send(received.withDestination(dlq)).toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
            Envelope deadLetter = next(deadLetters).envelope();
            assertEquals(received.withDestination(dlq), deadLetter, cePrefix);
            assertEquals("/billing", deadLetter.headers().get(cePrefix + "source"), cePrefix);
        }
    }

    @Test
    void a_native_amqp_timestamp_is_accepted_for_the_cloud_event_time() throws Exception {
        Destination jobs = workQueue("ce-time");
        BlockingQueue<Delivery> deliveries = consume(jobs);
        Map<String, Object> typed = new HashMap<>();
        typed.put("cloudEvents_id", "evt-1");
        typed.put("cloudEvents_specversion", "1.0");
        typed.put("cloudEvents_source", "/clock");
        typed.put("cloudEvents_time", new Date(1_764_000_001_000L)); // the binding's AMQP timestamp type
        publishRaw(jobs, new AMQP.BasicProperties.Builder().headers(typed).build(), "typed");
        Map<String, Object> untimed = new HashMap<>(typed);
        untimed.remove("cloudEvents_time");
        untimed.put("cloudEvents_id", "evt-2");
        publishRaw(jobs, new AMQP.BasicProperties.Builder().headers(untimed).timestamp(new Date(1_764_000_002_000L)).build(),
                "property");

        assertEquals(Instant.ofEpochSecond(1_764_000_001L), next(deliveries).envelope().timestamp());
        assertEquals(Instant.ofEpochSecond(1_764_000_002L), next(deliveries).envelope().timestamp(),
                "no time attribute: the timestamp property");
    }

    @Test
    void header_values_of_every_amqp_type_are_delivered_as_their_documented_text() throws Exception {
        Destination jobs = workQueue("typed-headers");
        BlockingQueue<Delivery> deliveries = consume(jobs);
        Map<String, Object> nested = new LinkedHashMap<>();
        nested.put("zone", "b");
        nested.put("count", 2);
        nested.put("list", List.of("x", 1, true));
        Map<String, Object> headers = new HashMap<>();
        headers.put("long", 9_000_000_000L);
        headers.put("int", 42);
        headers.put("flag", true);
        headers.put("decimal", new BigDecimal("12.50"));
        headers.put("double", 2.5d);
        headers.put("text-bytes", "Zürich".getBytes(StandardCharsets.UTF_8));
        headers.put("binary", new byte[] {(byte) 0xff, 0x00, (byte) 0xfe});
        headers.put("when", new Date(1_764_000_000_000L));
        headers.put("table", nested);
        headers.put("array", List.of("a", 2L));
        headers.put("void", null);
        publishRaw(jobs, new AMQP.BasicProperties.Builder().headers(headers).build(), "typed");
        publishRaw(jobs, null, "the next message");

        Delivery delivery = next(deliveries);
        Map<String, String> expected = new HashMap<>();
        expected.put("long", "9000000000");
        expected.put("int", "42");
        expected.put("flag", "true");
        expected.put("decimal", "12.50");
        expected.put("double", "2.5");
        expected.put("text-bytes", "Zürich");
        expected.put("binary", "/wD+");
        expected.put("when", "2025-11-24T16:00:00Z");
        expected.put("table", "{\"count\":2,\"list\":[\"x\",1,true],\"zone\":\"b\"}");
        expected.put("array", "[\"a\",2]");
        expected.put("void", "");
        assertEquals(expected, delivery.envelope().headers());
        delivery.ack();
        assertEquals("the next message", new String(next(deliveries).envelope().payload(), StandardCharsets.UTF_8),
                "the queue keeps flowing");
        assertTrue(delivery.envelope().id().length() > 0);
    }
}
