package dev.courier.transport.kafka;

import dev.courier.spi.CloudEvents;
import dev.courier.spi.Destination;
import dev.courier.spi.Envelope;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * Converts between envelopes and Kafka records. The record key is the Courier key (UTF-8); the
 * value is the payload; Kafka headers carry the user headers unchanged plus three reserved ones,
 * {@code courier:id}, {@code courier:content-type} and {@code courier:timestamp} (epoch
 * milliseconds, decimal). A user header whose name starts with {@code courier:} travels as
 * {@code courier:user:<name>}, so it can never be taken for a reserved one.
 *
 * <p>Each record also carries the CloudEvents attributes in the Kafka binding's binary mode
 * ({@code ce_id}, {@code ce_source}, {@code ce_type}, {@code ce_specversion}, {@code ce_time}, and
 * {@code content-type}), so CloudEvents SDKs read Courier messages. A record from another producer
 * that is a CloudEvent gets its id, time and content type from those attributes; its other
 * {@code ce_} attributes stay as headers. User headers named {@code ce_*} or {@code content-type}
 * are escaped like {@code courier:} ones.
 *
 * <p>Records written by other producers are read too: without the reserved headers the id is
 * {@code <topic>-<partition>-<offset>}, the content type {@code application/octet-stream} and the
 * timestamp the record's.
 */
final class KafkaRecords {

    static final String ID = "courier:id";
    static final String CONTENT_TYPE = "courier:content-type";
    static final String TIMESTAMP = "courier:timestamp";
    private static final String RESERVED_PREFIX = "courier:";
    private static final String ESCAPED_PREFIX = "courier:user:";
    private static final String UNKNOWN_CONTENT_TYPE = "application/octet-stream";
    static final String CLOUDEVENTS_PREFIX = "ce_";
    static final String CLOUDEVENTS_CONTENT_TYPE = "content-type";

    private KafkaRecords() {
    }

    /** The record for {@code envelope}, sent to {@code topic} (and {@code partition}, when not null). */
    static ProducerRecord<byte[], byte[]> toRecord(Envelope envelope, String topic, Integer partition) {
        byte[] key = envelope.key() == null ? null : utf8(envelope.key());
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic, partition, key, envelope.payload());
        Headers headers = record.headers();
        headers.add(ID, utf8(envelope.id()));
        headers.add(CONTENT_TYPE, utf8(envelope.contentType()));
        headers.add(TIMESTAMP, utf8(Long.toString(envelope.timestamp().toEpochMilli())));
        CloudEvents.attributes(envelope).forEach((attribute, value) -> headers.add(
                attribute.equals(CloudEvents.DATACONTENTTYPE) ? CLOUDEVENTS_CONTENT_TYPE : CLOUDEVENTS_PREFIX + attribute,
                utf8(value)));
        for (Map.Entry<String, String> header : envelope.headers().entrySet()) {
            String name = isReserved(header.getKey()) ? ESCAPED_PREFIX + header.getKey() : header.getKey();
            headers.add(name, utf8(header.getValue()));
        }
        return record;
    }

    /** The envelope carried by {@code record}, received from {@code source}. Never throws on odd records. */
    static Envelope toEnvelope(ConsumerRecord<byte[], byte[]> record, Destination source) {
        String id = null;
        String contentType = null;
        Instant timestamp = null;
        Map<String, String> headers = new LinkedHashMap<>();
        Map<String, String> cloudEvent = new LinkedHashMap<>();
        for (Header header : record.headers()) {
            String name = header.key();
            String value = header.value() == null ? "" : new String(header.value(), StandardCharsets.UTF_8);
            switch (name) {
                case ID -> id = value;
                case CONTENT_TYPE -> contentType = value;
                case TIMESTAMP -> timestamp = millis(value);
                case CLOUDEVENTS_CONTENT_TYPE -> cloudEvent.put(CloudEvents.DATACONTENTTYPE, value);
                default -> {
                    if (name.startsWith(CLOUDEVENTS_PREFIX)) {
                        cloudEvent.put(name.substring(CLOUDEVENTS_PREFIX.length()), value);
                    } else {
                        headers.put(name.startsWith(ESCAPED_PREFIX) ? name.substring(ESCAPED_PREFIX.length()) : name, value);
                    }
                }
            }
        }
        if (id == null || id.isEmpty()) {
            // not from Courier: a CloudEvent gives id, time and content type; its other attributes stay visible
            var foreign = CloudEvents.read(cloudEvent::get);
            if (foreign.isPresent()) {
                id = foreign.get().id();
                timestamp = foreign.get().time();
                contentType = foreign.get().dataContentType();
                cloudEvent.forEach((attribute, value) -> {
                    if (!attribute.equals(CloudEvents.ID) && !attribute.equals(CloudEvents.TIME)
                            && !attribute.equals(CloudEvents.DATACONTENTTYPE)) {
                        headers.put(CLOUDEVENTS_PREFIX + attribute, value);
                    }
                });
            } else {
                id = record.topic() + "-" + record.partition() + "-" + record.offset();
            }
        }
        if (timestamp == null) {
            timestamp = Instant.ofEpochMilli(Math.max(0, record.timestamp()));
        }
        String key = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
        byte[] payload = record.value() == null ? new byte[0] : record.value();
        return new Envelope(id, source, key, headers, payload, contentType == null ? UNKNOWN_CONTENT_TYPE : contentType,
                timestamp);
    }

    private static boolean isReserved(String name) {
        return name.startsWith(RESERVED_PREFIX) || name.startsWith(CLOUDEVENTS_PREFIX) || name.equals(CLOUDEVENTS_CONTENT_TYPE);
    }

    private static Instant millis(String value) {
        try {
            return Instant.ofEpochMilli(Long.parseLong(value));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static byte[] utf8(String value) {
        return value.getBytes(StandardCharsets.UTF_8);
    }
}
