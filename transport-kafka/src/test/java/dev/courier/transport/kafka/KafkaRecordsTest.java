package dev.courier.transport.kafka;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.courier.spi.Destination;
import dev.courier.spi.Envelope;
import dev.courier.spi.EnvelopeForm;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.kafka.common.record.internal.Record;
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

    private static ConsumerRecord<byte[], byte[]> foreign(String[]... headers) {
        return new ConsumerRecord<>("t", 1, 9L, 1234L, TimestampType.CREATE_TIME, -1, -1, null, new byte[] {1},
                sentByOthers(headers).headers(), Optional.empty());
    }

    @Test
    void a_binary_cloud_event_from_elsewhere_gives_its_id_time_type_and_content_type_and_keeps_its_other_attributes() {
        Envelope envelope = KafkaRecords.toEnvelope(foreign(new String[] {"ce_specversion", "1.0"},
                new String[] {"ce_id", "evt-7"}, new String[] {"ce_source", "/billing"},
                new String[] {"ce_type", "invoice.paid"}, new String[] {"ce_time", "2026-11-29T15:40:01.123Z"},
                new String[] {"ce_tenant", "acme"}, new String[] {"content-type", "application/json"},
                new String[] {"trace", "abc"}), Destination.topic("t"));

        assertEquals("evt-7", envelope.id());
        assertEquals("invoice.paid", envelope.type());
        assertEquals(Instant.parse("2026-11-29T15:40:01.123Z"), envelope.timestamp());
        assertEquals("application/json", envelope.contentType());
        assertEquals(Map.of("ce_specversion", "1.0", "ce_source", "/billing", "ce_type", "invoice.paid",
                "ce_tenant", "acme", "trace", "abc"), envelope.headers());
    }

    @Test
    void a_cloud_event_without_a_content_type_header_takes_its_datacontenttype_attribute() {
        Envelope envelope = KafkaRecords.toEnvelope(foreign(new String[] {"ce_id", "evt-8"},
                new String[] {"ce_specversion", "1.0"}, new String[] {"ce_datacontenttype", "text/plain"},
                new String[] {"ce_type", "t"}), Destination.topic("t"));

        assertEquals("evt-8", envelope.id());
        assertNull(envelope.type()); // the topic's own name is no type
        assertEquals("text/plain", envelope.contentType());
        assertEquals(Instant.ofEpochMilli(1234), envelope.timestamp());
        assertEquals(Map.of("ce_specversion", "1.0", "ce_type", "t"), envelope.headers());
    }

    @Test
    void courier_attributes_and_repeated_values_read_the_same_on_every_record() {
        for (int i = 0; i < 3; i++) {
            Envelope envelope = KafkaRecords.toEnvelope(foreign(new String[] {"ce_id", "c-" + i},
                    new String[] {"ce_source", "/courier/topic/t"}, new String[] {"ce_type", "orders.created"},
                    new String[] {"ce_specversion", "1.0"}, new String[] {"content-type", "application/json"},
                    new String[] {"empty", null}), Destination.topic("t"));

            assertEquals("c-" + i, envelope.id());
            assertEquals("orders.created", envelope.type());
            assertEquals("application/json", envelope.contentType());
            assertEquals(Map.of("empty", ""), envelope.headers());
        }
    }

    @Test
    void odd_header_bytes_and_an_empty_id_still_give_a_message_with_a_stable_id() {
        RecordHeaders headers = new RecordHeaders();
        headers.add("courier:id", new byte[0]);
        headers.add("courier:type", new byte[] {(byte) 0xff, (byte) 0xfe});
        headers.add("courier:timestamp", "not a number".getBytes(StandardCharsets.UTF_8));
        headers.add("odd", new byte[] {(byte) 0xc3});
        ConsumerRecord<byte[], byte[]> record = new ConsumerRecord<>("t", 3, 5L, 99L, TimestampType.CREATE_TIME, -1, -1,
                null, new byte[0], headers, Optional.empty());

        Envelope envelope = KafkaRecords.toEnvelope(record, Destination.topic("t"));

        assertEquals("t-3-5", envelope.id());
        assertEquals("\ufffd\ufffd", envelope.type());
        assertEquals(Instant.ofEpochMilli(99), envelope.timestamp());
        assertEquals(Map.of("odd", "\ufffd"), envelope.headers());
    }

    @Test
    void records_read_one_after_another_keep_their_own_values_when_the_repeated_ones_change() {
        KafkaRecords.RecentValues recent = new KafkaRecords.RecentValues();
        String[][] values = {{"/courier/topic/a", "a.created", "application/json"},
            {"/courier/topic/a", "a.created", "application/json"}, {"/courier/topic/b", "b.created", "text/plain"},
            {"/courier/topic/a", "a.created", "application/json"}, {"/courier/topic/ab", "a.createdx", "text/plain;x=1"}};
        for (int i = 0; i < values.length; i++) {
            ConsumerRecord<byte[], byte[]> record = foreign(new String[] {"ce_id", "c-" + i},
                    new String[] {"ce_source", values[i][0]}, new String[] {"ce_type", values[i][1]},
                    new String[] {"ce_specversion", "1.0"}, new String[] {"content-type", values[i][2]});

            Envelope read = KafkaRecords.toEnvelope(record, Destination.topic("t"), recent);

            assertEquals(KafkaRecords.toEnvelope(record, Destination.topic("t")), read);
            assertEquals(values[i][1], read.type());
            assertEquals(values[i][2], read.contentType());
        }
    }

    /** {@code sent} as a consumer gets it: written to a batch and read back, its headers slices of the fetched bytes. */
    private static ConsumerRecord<byte[], byte[]> fetched(ProducerRecord<byte[], byte[]> sent) {
        MemoryRecordsBuilder batch = MemoryRecords.builder(ByteBuffer.allocate(64 * 1024), Compression.NONE,
                TimestampType.CREATE_TIME, 42L);
        batch.append(sent.timestamp(), sent.key(), sent.value(), sent.headers().toArray());
        Record read = batch.build().records().iterator().next();
        return new ConsumerRecord<>(sent.topic(), 0, read.offset(), read.timestamp(), TimestampType.CREATE_TIME, -1, -1,
                read.hasKey() ? bytes(read.key()) : null, read.hasValue() ? bytes(read.value()) : null,
                new RecordHeaders(read.headers()), Optional.empty());
    }

    private static byte[] bytes(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return bytes;
    }

    private static ProducerRecord<byte[], byte[]> sentByOthers(String[]... headers) {
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>("t", null, 1234L, null, new byte[] {1});
        for (String[] header : headers) {
            record.headers().add(header[0], header[1] == null ? null : header[1].getBytes(StandardCharsets.UTF_8));
        }
        return record;
    }

    @Test
    void every_envelope_field_survives_the_trip_through_the_fetched_bytes() {
        Map<String, String> headers = Map.of("tenant", "acme", "empty", "", "courier:id", "user's own",
                "courier-error-class", "x.Y", "grüße", "世界 👋", "ce_id", "user's ce_id", "content-type", "user's");
        for (EnvelopeForm form : EnvelopeForm.values()) {
            Envelope envelope = new Envelope("id-1", Destination.topic("t"), "ключ", headers, new byte[] {0, 1, -1},
                    "application/json", Instant.ofEpochMilli(1_700_000_000_123L), "orders.created");

            Envelope back = KafkaRecords.toEnvelope(fetched(KafkaRecords.toRecord(envelope, "t", null, form)),
                    Destination.topic("t"), new KafkaRecords.RecentValues());

            assertEquals(envelope, back, form.toString());
        }
    }

    @Test
    void fetched_headers_the_client_already_decoded_read_the_same() {
        String[][] headers = {{"ce_id", "evt-7"}, {"ce_source", "/billing"}, {"ce_type", "invoice.paid"},
            {"ce_specversion", "1.0"}, {"ce_tenant", "acme"}, {"content-type", "application/json"}, {"absent", null}};
        ConsumerRecord<byte[], byte[]> untouched = fetched(sentByOthers(headers));
        ConsumerRecord<byte[], byte[]> decoded = fetched(sentByOthers(headers));
        for (Header header : decoded.headers()) {
            header.key();
            header.value();
        }

        Envelope read = KafkaRecords.toEnvelope(untouched, Destination.topic("t"), new KafkaRecords.RecentValues());

        assertEquals(KafkaRecords.toEnvelope(decoded, Destination.topic("t"), new KafkaRecords.RecentValues()), read);
        assertEquals("evt-7", read.id());
        assertEquals("invoice.paid", read.type());
        assertEquals("application/json", read.contentType());
        assertEquals(Map.of("ce_source", "/billing", "ce_type", "invoice.paid", "ce_specversion", "1.0",
                "ce_tenant", "acme", "absent", ""), read.headers());
    }

    @Test
    void fetched_records_read_one_after_another_keep_their_own_values_when_the_repeated_ones_change() {
        KafkaRecords.RecentValues recent = new KafkaRecords.RecentValues();
        String[][] values = {{"/courier/topic/a", "a.created", "application/json"},
            {"/courier/topic/a", "a.created", "application/json"}, {"/courier/topic/b", "b.created", "text/plain"},
            {"/courier/topic/a", "a.created", "application/json"}, {"/courier/topic/ab", "a.createdx", "text/plain;x=1"},
            {"/courier/topic/ab", "a.createdx", "text/plain;x=1"}, {"/courier/topic/a", "a.created", ""}};
        for (int i = 0; i < values.length; i++) {
            ProducerRecord<byte[], byte[]> sent = sentByOthers(new String[] {"ce_id", "c-" + i},
                    new String[] {"ce_source", values[i][0]}, new String[] {"ce_type", values[i][1]},
                    new String[] {"ce_specversion", "1.0"}, new String[] {"content-type", values[i][2]});

            Envelope read = KafkaRecords.toEnvelope(fetched(sent), Destination.topic("t"), recent);

            assertEquals(KafkaRecords.toEnvelope(fetched(sent), Destination.topic("t")), read);
            assertEquals("c-" + i, read.id());
            assertEquals(values[i][1], read.type());
            assertEquals(values[i][2], read.contentType());
        }
    }
}
