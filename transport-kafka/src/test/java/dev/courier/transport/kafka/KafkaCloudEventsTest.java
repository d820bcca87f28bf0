package dev.courier.transport.kafka;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.courier.api.Message;
import dev.courier.api.MessageBus;
import dev.courier.api.PublishReceipt;
import dev.courier.testkit.Inbox;
import io.cloudevents.CloudEvent;
import io.cloudevents.core.builder.CloudEventBuilder;
import io.cloudevents.core.message.Encoding;
import io.cloudevents.kafka.CloudEventDeserializer;
import io.cloudevents.kafka.CloudEventSerializer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** Courier and the CloudEvents Kafka SDK read each other's messages (binary content mode). */
class KafkaCloudEventsTest {

    private final String topic = "ce-" + UUID.randomUUID().toString().substring(0, 8);

    @Test
    void a_cloudevents_consumer_reads_a_courier_message() throws Exception {
        PublishReceipt receipt;
        try (MessageBus bus = MessageBus.connect(KafkaTestBroker.sharedUrl())) {
            receipt = bus.publish(topic, "hello").toCompletableFuture().get();
        }
        try (KafkaConsumer<byte[], CloudEvent> consumer = new KafkaConsumer<>(Map.of(
                "bootstrap.servers", KafkaTestBroker.bootstrapServers(), "group.id", "ce-reader-" + topic,
                "auto.offset.reset", "earliest"), new ByteArrayDeserializer(), new CloudEventDeserializer())) {
            consumer.subscribe(List.of(topic));
            ConsumerRecord<byte[], CloudEvent> record = null;
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (record == null && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], CloudEvent> r : consumer.poll(Duration.ofMillis(500))) {
                    record = r;
                }
            }
            assertNotNull(record, "the raw consumer received the message");
            CloudEvent event = record.value();
            assertEquals(receipt.id(), event.getId());
            assertEquals(topic, event.getType());
            assertEquals(URI.create("/courier/" + topic), event.getSource());
            assertEquals("1.0", event.getSpecVersion().toString());
            assertEquals("text/plain; charset=utf-8", event.getDataContentType());
            assertEquals(receipt.timestamp().toEpochMilli(), record.timestamp(), "the publish time is the record's timestamp");
            assertArrayEquals("hello".getBytes(StandardCharsets.UTF_8), event.getData().toBytes());
        }
    }

    @Test
    void courier_reads_a_cloudevent_from_the_sdk() throws Exception {
        try (MessageBus bus = MessageBus.connect(KafkaTestBroker.sharedUrl())) {
            Inbox<String> inbox = new Inbox<>();
            bus.subscribe(topic, "g", String.class, inbox);
            OffsetDateTime time = OffsetDateTime.of(2026, 11, 24, 12, 0, 0, 123_000_000, ZoneOffset.UTC);
            CloudEvent event = CloudEventBuilder.v1().withId("ext-1").withSource(URI.create("/billing"))
                    .withType("com.example.invoice.paid").withTime(time).withDataContentType("text/plain")
                    .withData("paid".getBytes(StandardCharsets.UTF_8)).build();
            try (KafkaProducer<String, CloudEvent> producer = new KafkaProducer<>(Map.of(
                    "bootstrap.servers", KafkaTestBroker.bootstrapServers(),
                    CloudEventSerializer.ENCODING_CONFIG, Encoding.BINARY.name()),
                    new StringSerializer(), new CloudEventSerializer())) {
                producer.send(new ProducerRecord<>(topic, "k", event)).get();
            }

            Message<String> message = inbox.awaitCount(1, Duration.ofSeconds(30)).get(0);
            assertEquals("ext-1", message.id());
            assertEquals("paid", message.payload());
            assertEquals("text/plain", message.contentType());
            assertEquals(time.toInstant(), message.timestamp());
            assertEquals("com.example.invoice.paid", message.headers().get("ce_type"));
            assertEquals("/billing", message.headers().get("ce_source"));
        }
    }
}
