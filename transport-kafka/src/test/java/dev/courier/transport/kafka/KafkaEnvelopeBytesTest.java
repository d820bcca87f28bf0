package dev.courier.transport.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.spi.Destination;
import dev.courier.spi.Envelope;
import dev.courier.spi.EnvelopeForm;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

/**
 * What each envelope form costs on the wire, and that nothing travels twice: the header set of a
 * 100 B message is exact, and its header bytes (as the record batch encodes them) are printed and
 * bounded. {@code ./mvnw -B -o -q -pl transport-kafka -am verify -Dtest=KafkaEnvelopeBytesTest
 * -Dsurefire.failIfNoSpecifiedTests=false} prints the numbers in docs/DESIGN.md.
 */
class KafkaEnvelopeBytesTest {

    private static final Destination TOPIC = Destination.topic("orders");

    private static Envelope hundredBytes(String contentType, String type) {
        return new Envelope(UUID.randomUUID().toString(), TOPIC, null, Map.of(), new byte[100], contentType,
                Instant.ofEpochMilli(1_764_000_000_123L), type);
    }

    /**
     * The bytes the record format (v2) spends on the headers of {@code record}: their count, and
     * per header its name and value, each after its length, all lengths zig-zag varints.
     */
    static int headerBytes(ProducerRecord<byte[], byte[]> record) {
        Header[] headers = record.headers().toArray();
        int bytes = varint(headers.length);
        for (Header header : headers) {
            int name = header.key().getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
            int value = header.value() == null ? 0 : header.value().length;
            bytes += varint(name) + name + varint(header.value() == null ? -1 : value) + value;
        }
        return bytes;
    }

    private static int varint(int value) {
        int zigzag = (value << 1) ^ (value >> 31);
        int bytes = 1;
        while ((zigzag & 0xffffff80) != 0) {
            bytes++;
            zigzag >>>= 7;
        }
        return bytes;
    }

    private static List<String> names(ProducerRecord<byte[], byte[]> record) {
        List<String> names = new ArrayList<>();
        record.headers().forEach(header -> names.add(header.key()));
        return names;
    }

    @Test
    void the_cloudevents_form_carries_the_binding_attributes_once_and_the_time_as_the_record_timestamp() {
        ProducerRecord<byte[], byte[]> record = KafkaRecords.toRecord(hundredBytes("application/json", null), "orders",
                null, EnvelopeForm.CLOUDEVENTS);
        int bytes = headerBytes(record);
        System.out.println("kafka cloudevents header bytes, 100 B json message on topic 'orders': " + bytes);

        assertEquals(List.of("ce_id", "ce_source", "ce_type", "ce_specversion", "content-type"), names(record));
        assertEquals(1_764_000_000_123L, record.timestamp());
        assertTrue(bytes <= 140, "header bytes " + bytes);
    }

    @Test
    void the_minimal_form_carries_only_the_id_for_an_untyped_octet_stream_message() {
        ProducerRecord<byte[], byte[]> record = KafkaRecords.toRecord(hundredBytes("application/octet-stream", null),
                "orders", null, EnvelopeForm.MINIMAL);
        int bytes = headerBytes(record);
        System.out.println("kafka minimal header bytes, 100 B octet-stream message: " + bytes);

        assertEquals(List.of("courier:id"), names(record));
        assertTrue(bytes <= 50, "header bytes " + bytes);
    }

    @Test
    void the_minimal_form_adds_the_type_and_the_content_type_only_when_they_are_not_the_defaults() {
        ProducerRecord<byte[], byte[]> record = KafkaRecords.toRecord(hundredBytes("application/json", "order.placed"),
                "orders", null, EnvelopeForm.MINIMAL);
        System.out.println("kafka minimal header bytes, 100 B json message with a type: " + headerBytes(record));

        assertEquals(List.of("courier:id", "courier:type", "content-type"), names(record));
    }

    @Test
    void a_minimal_record_reads_back_as_the_envelope_that_was_sent() {
        Envelope sent = new Envelope("id-1", TOPIC, "k", Map.of("tenant", "acme", "ce_id", "user's"), new byte[] {1},
                "application/json", Instant.ofEpochMilli(1_764_000_000_123L), "order.placed");
        ProducerRecord<byte[], byte[]> record = KafkaRecords.toRecord(sent, "orders", null, EnvelopeForm.MINIMAL);

        ConsumerRecord<byte[], byte[]> received = new ConsumerRecord<>("orders", 0, 7L, record.timestamp(),
                TimestampType.CREATE_TIME, -1, -1, record.key(), record.value(), record.headers(), Optional.empty());

        assertEquals(sent, KafkaRecords.toEnvelope(received, TOPIC));
    }

    @Test
    void a_minimal_record_of_an_untyped_octet_stream_message_reads_back_unchanged() {
        Envelope sent = hundredBytes("application/octet-stream", null);
        ProducerRecord<byte[], byte[]> record = KafkaRecords.toRecord(sent, "orders", null, EnvelopeForm.MINIMAL);

        ConsumerRecord<byte[], byte[]> received = new ConsumerRecord<>("orders", 0, 7L, record.timestamp(),
                TimestampType.CREATE_TIME, -1, -1, record.key(), record.value(), record.headers(), Optional.empty());

        assertEquals(sent, KafkaRecords.toEnvelope(received, TOPIC));
    }
}
