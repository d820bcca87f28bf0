package dev.courier.transport.kafka;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.courier.spi.Destination;
import dev.courier.spi.Envelope;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

class KafkaRecordsTest {

    private static ConsumerRecord<byte[], byte[]> received(ProducerRecord<byte[], byte[]> sent, long timestamp) {
        return new ConsumerRecord<>(sent.topic(), 0, 42L, timestamp, TimestampType.CREATE_TIME, -1, -1, sent.key(),
                sent.value(), sent.headers(), Optional.empty());
    }

    @Test
    void every_envelope_field_survives_the_trip_including_headers_named_like_the_reserved_ones() {
        Map<String, String> headers = Map.of("tenant", "acme", "empty", "", "courier:id", "user's own",
                "courier-error-class", "x.Y", "grüße", "世界 👋", "ce_id", "user's ce_id", "content-type", "user's");
        Envelope envelope = new Envelope("id-1", Destination.topic("t"), "ключ", headers, new byte[] {0, 1, -1},
                "application/json", Instant.ofEpochMilli(1_700_000_000_123L));

        ProducerRecord<byte[], byte[]> record = KafkaRecords.toRecord(envelope, "t", null);
        // the publish time travels as the record's CreateTime, which the broker keeps
        Envelope back = KafkaRecords.toEnvelope(received(record, record.timestamp()), Destination.topic("t"));

        assertEquals(envelope, back);
        assertArrayEquals("ключ".getBytes(StandardCharsets.UTF_8), record.key());
    }

    @Test
    void a_reserved_name_travels_escaped_as_every_transport_escapes_it() {
        Envelope envelope = new Envelope("id-1", Destination.topic("t"), null, Map.of("ce_id", "user's"), new byte[0],
                "text/plain", Instant.ofEpochMilli(1_700_000_000_123L));

        ProducerRecord<byte[], byte[]> record = KafkaRecords.toRecord(envelope, "t", null);

        assertEquals("user's", new String(record.headers().lastHeader(new dev.courier.spi.HeaderEscape(name -> true)
                .toWire("ce_id")).value(), StandardCharsets.UTF_8));
    }

    @Test
    void a_header_escaped_the_way_courier_0_1_escaped_it_still_arrives_under_its_own_name() {
        RecordHeaders headers = new RecordHeaders();
        headers.add("courier:user:ce_id", "old".getBytes(StandardCharsets.UTF_8));
        ConsumerRecord<byte[], byte[]> old = new ConsumerRecord<>("t", 0, 1L, 1234L, TimestampType.CREATE_TIME, -1, -1,
                null, new byte[0], headers, Optional.empty());

        assertEquals(Map.of("ce_id", "old"), KafkaRecords.toEnvelope(old, Destination.topic("t")).headers());
    }

    @Test
    void a_record_from_another_producer_gets_an_id_from_its_position_and_its_own_timestamp() {
        ConsumerRecord<byte[], byte[]> foreign = new ConsumerRecord<>("raw", 2, 7L, 1234L, TimestampType.CREATE_TIME,
                -1, -1, null, null, new RecordHeaders(), Optional.empty());
        Envelope envelope = KafkaRecords.toEnvelope(foreign, Destination.topic("raw"));
        assertEquals("raw-2-7", envelope.id());
        assertNull(envelope.key());
        assertEquals(0, envelope.payload().length);
        assertEquals("application/octet-stream", envelope.contentType());
        assertEquals(Instant.ofEpochMilli(1234), envelope.timestamp());
    }
}
