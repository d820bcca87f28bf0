package dev.courier.transport.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.api.MessageTooLargeException;
import dev.courier.spi.ConsumerSpec;
import dev.courier.spi.Delivery;
import dev.courier.spi.Destination;
import dev.courier.spi.Envelope;
import dev.courier.spi.Transport;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Records Courier did not write, sent by {@link KafkaForeignProducer}, and records the broker refuses. */
@Tag("broker")
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class KafkaForeignRecordsTest {

    private final List<AutoCloseable> resources = new ArrayList<>();
    private String prefix;
    private Transport transport;
    private KafkaForeignProducer foreign;

    @BeforeEach
    void open() {
        KafkaTestBroker.sharedUrl(); // skips (or fails under CI) when the broker is unreachable
        prefix = "kf-" + UUID.randomUUID().toString().substring(0, 8);
        transport = new KafkaTransportProvider().open(URI.create("kafka://" + KafkaTestBroker.bootstrapServers()),
                Map.of("kafka.consumer.session.timeout.ms", "6000"));
        resources.add(transport);
        foreign = KafkaForeignProducer.forSharedBroker();
        resources.add(foreign);
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
    }

    private BlockingQueue<Delivery> consume(Destination source, String group) {
        transport.declare(source);
        BlockingQueue<Delivery> received = new LinkedBlockingQueue<>();
        resources.add(transport.consume(new ConsumerSpec(source, group, 10), received::add));
        return received;
    }

    private static Envelope next(BlockingQueue<Delivery> received) throws InterruptedException {
        Delivery delivery = received.poll(30, TimeUnit.SECONDS);
        assertNotNull(delivery, "no delivery within 30 s");
        delivery.ack();
        return delivery.envelope();
    }

    @Test
    void the_foreign_producer_reaches_courier_topics_and_work_queues() throws Exception {
        Destination topic = Destination.topic(prefix + ".t");
        Destination queue = Destination.queue(prefix + ".q");
        BlockingQueue<Delivery> fromTopic = consume(topic, "g");
        BlockingQueue<Delivery> fromQueue = consume(queue, null);

        foreign.publish(topic.name(), "k", Map.of("x-city", "Zürich"), "to-topic".getBytes(StandardCharsets.UTF_8));
        foreign.submit(queue.name(), Map.of(), "to-queue".getBytes(StandardCharsets.UTF_8));

        Envelope published = next(fromTopic);
        assertEquals("to-topic", new String(published.payload(), StandardCharsets.UTF_8));
        assertEquals("k", published.key());
        assertEquals("Zürich", published.headers().get("x-city"));
        assertEquals("to-queue", new String(next(fromQueue).payload(), StandardCharsets.UTF_8));
    }

    @Test
    void a_foreign_cloud_event_gives_its_id_and_content_type() throws Exception {
        Destination topic = Destination.topic(prefix + ".ce");
        BlockingQueue<Delivery> received = consume(topic, "g");
        foreign.publishCloudEvent(topic.name(), "ce_", Map.of("id", "evt-1", "source", "/billing", "type", "invoice.paid",
                "specversion", "1.0", "datacontenttype", "application/json"), "{}".getBytes(StandardCharsets.UTF_8));
        Envelope event = next(received);
        assertEquals("evt-1", event.id());
        assertEquals("application/json", event.contentType());
    }

    @Test
    void a_body_of_the_largest_size_is_received() throws Exception {
        Destination topic = Destination.topic(prefix + ".large");
        BlockingQueue<Delivery> received = consume(topic, "g");
        foreign.publish(topic.name(), null, Map.of("x-a", "1"), new byte[foreign.largestBody()]);
        assertEquals(foreign.largestBody(), next(received).payload().length);
    }

    @Test
    void a_record_the_size_limit_refuses_fails_as_message_too_large() {
        Destination queue = Destination.queue(prefix + ".dlq");
        transport.declare(queue);
        // a foreign message at the limit, with the headers a dead letter adds: no longer fits
        Envelope deadLetter = new Envelope(UUID.randomUUID().toString(), queue, null,
                Map.of("courier-error", "x".repeat(4_000)), new byte[foreign.largestBody()], "application/octet-stream",
                Instant.now().truncatedTo(ChronoUnit.MILLIS));
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> transport.send(deadLetter).toCompletableFuture().get(60, TimeUnit.SECONDS));
        MessageTooLargeException tooLarge = assertInstanceOfTooLarge(e.getCause());
        assertTrue(tooLarge.size() > tooLarge.limit(), tooLarge.getMessage());
        assertTrue(tooLarge.getMessage().contains(queue.toString()), tooLarge.getMessage());
    }

    private static MessageTooLargeException assertInstanceOfTooLarge(Throwable failure) {
        assertTrue(failure instanceof MessageTooLargeException, String.valueOf(failure));
        return (MessageTooLargeException) failure;
    }
}
