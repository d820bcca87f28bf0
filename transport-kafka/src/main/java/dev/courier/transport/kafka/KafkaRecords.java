package dev.courier.transport.kafka;

import dev.courier.spi.BoundedMemo;
import dev.courier.spi.CloudEvents;
import dev.courier.spi.Destination;
import dev.courier.spi.Envelope;
import dev.courier.spi.EnvelopeForm;
import dev.courier.spi.HeaderEscape;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * Converts between envelopes and Kafka records. The record key is the Courier key (UTF-8); the
 * value is the payload; the record timestamp is the publish time; Kafka headers carry the user
 * headers unchanged plus the CloudEvents attributes, which are also Courier's id and content type. A user header whose name
 * starts with {@code courier:} or {@code ce_}, or is {@code content-type}, travels escaped as Courier's one
 * {@link HeaderEscape} says ({@code Courier-Hdr-<base64url>}), so it can never be taken for a reserved one;
 * {@code courier:user:<name>}, the escape Courier 0.1 snapshots wrote, is still read.
 *
 * <p>The attributes follow the Kafka binding's binary mode ({@code ce_id}, {@code ce_source},
 * {@code ce_type}, {@code ce_specversion} and {@code content-type}; the time is the record's
 * timestamp), so CloudEvents SDKs read Courier messages. {@code ce_type} is the envelope's event
 * type, or the topic name for a message without one (read back as no type). A record from another producer
 * that is a CloudEvent gets its id, time and content type from those attributes; its other
 * {@code ce_} attributes stay as headers. User headers named {@code ce_*} or {@code content-type}
 * are escaped too.
 *
 * <p>In the minimal form ({@code envelope=minimal}) a record carries only {@code courier:id},
 * {@code courier:type} (when the message has a type), {@code content-type} (when it is not
 * {@code application/octet-stream}) and the user headers; the record key and timestamp as above.
 * Every receiver reads both forms.
 *
 * <p>Records written by other producers are read too: without the reserved headers the id is
 * {@code <topic>-<partition>-<offset>}, the content type {@code application/octet-stream} and the
 * timestamp the record's.
 */
final class KafkaRecords {

    static final String ID = "courier:id";
    static final String CONTENT_TYPE = "courier:content-type";
    static final String TIMESTAMP = "courier:timestamp";
    /** The event type in the minimal form (absent when the message has none). */
    static final String TYPE = "courier:type";
    /**
     * The UTF-8 bytes of header values (sources, types, content types), kept for 4,096 distinct
     * values. The arrays are shared by every record that carries the value: nothing may modify
     * them (Kafka only reads header values).
     */
    private static final BoundedMemo<String, byte[]> TEXTS = new BoundedMemo<>(4_096, KafkaRecords::utf8);
    /**
     * The other way round: the text of received header values that repeat (sources, types, content
     * types), decoded once for 4,096 distinct values. The key holds the first record's value array,
     * which nothing modifies (Kafka hands each record's header values out read-only to this class).
     */
    private static final BoundedMemo<Utf8, String> CONSTANTS = new BoundedMemo<>(4_096, Utf8::toString);
    /** Longer values are decoded each time, so the memo holds at most about 1 MiB. */
    private static final int MAX_CONSTANT_BYTES = 256;
    private static final String RESERVED_PREFIX = "courier:";
    /** How Courier 0.1 snapshots escaped a reserved name; still read. */
    private static final String ESCAPED_PREFIX = "courier:user:";
    /** Courier's one header escape, with the names this transport reserves. */
    private static final HeaderEscape ESCAPE = new HeaderEscape(KafkaRecords::isReserved);
    private static final String UNKNOWN_CONTENT_TYPE = "application/octet-stream";
    static final String CLOUDEVENTS_PREFIX = "ce_";
    static final String CLOUDEVENTS_CONTENT_TYPE = "content-type";
    private static final String CE_ID = CLOUDEVENTS_PREFIX + CloudEvents.ID;
    private static final String CE_SOURCE = CLOUDEVENTS_PREFIX + CloudEvents.SOURCE;
    private static final String CE_TYPE = CLOUDEVENTS_PREFIX + CloudEvents.TYPE;
    private static final String CE_SPECVERSION = CLOUDEVENTS_PREFIX + CloudEvents.SPECVERSION;
    private static final byte[] SPEC_VERSION = CloudEvents.SPEC_VERSION.getBytes(StandardCharsets.UTF_8);
    private static final String COURIER_SOURCE = "/courier/";

    private KafkaRecords() {
    }

    /** The record for {@code envelope} in the CloudEvents form, sent to {@code topic} (and {@code partition}, when not null). */
    static ProducerRecord<byte[], byte[]> toRecord(Envelope envelope, String topic, Integer partition) {
        return toRecord(envelope, topic, partition, EnvelopeForm.CLOUDEVENTS);
    }

    /** The record for {@code envelope} in {@code form}, sent to {@code topic} (and {@code partition}, when not null). */
    static ProducerRecord<byte[], byte[]> toRecord(Envelope envelope, String topic, Integer partition, EnvelopeForm form) {
        byte[] key = envelope.key() == null ? null : utf8(envelope.key());
        boolean minimal = form == EnvelopeForm.MINIMAL;
        // Each field travels once: the record timestamp is the publish time, the record key the key.
        // On small messages headers cost more than payloads, so constant values (spec version, the
        // source and type of a topic, common content types) are encoded once, not per message.
        byte[] id = utf8(envelope.id());
        byte[] source = null;
        byte[] type;
        byte[] specVersion = null;
        byte[] contentType;
        if (minimal) {
            type = envelope.type() == null ? null : TEXTS.get(envelope.type());
            contentType = envelope.contentType().equals(EnvelopeForm.DEFAULT_CONTENT_TYPE) ? null
                    : TEXTS.get(envelope.contentType());
        } else {
            source = TEXTS.get(CloudEvents.source(envelope.destination()));
            type = TEXTS.get(envelope.type() != null ? envelope.type() : envelope.destination().name());
            specVersion = SPEC_VERSION;
            contentType = TEXTS.get(envelope.contentType());
        }
        String idName = minimal ? ID : CE_ID;
        String typeName = minimal ? TYPE : CE_TYPE;
        Map<String, String> userHeaders = envelope.headers();
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic, partition,
                envelope.timestamp().toEpochMilli(), key, envelope.payload());
        Headers headers = record.headers();
        headers.add(new RecordHeader(idName, id));
        if (source != null) {
            headers.add(new RecordHeader(CE_SOURCE, source));
        }
        if (type != null) {
            headers.add(new RecordHeader(typeName, type));
        }
        if (specVersion != null) {
            headers.add(new RecordHeader(CE_SPECVERSION, specVersion));
        }
        if (contentType != null) {
            headers.add(new RecordHeader(CLOUDEVENTS_CONTENT_TYPE, contentType));
        }
        for (Map.Entry<String, String> header : userHeaders.entrySet()) {
            headers.add(new RecordHeader(ESCAPE.toWire(header.getKey()), utf8(header.getValue())));
        }
        return record;
    }

    /** About the size of {@code record} on the wire: key, value and headers (framing not counted). */
    static long size(ProducerRecord<byte[], byte[]> record) {
        long size = (record.key() == null ? 0 : record.key().length) + (record.value() == null ? 0 : record.value().length);
        for (Header header : record.headers()) {
            size += utf8(header.key()).length + (header.value() == null ? 0 : header.value().length);
        }
        return size;
    }

    /** The envelope carried by {@code record}, received from {@code source}. Never throws on odd records. */
    static Envelope toEnvelope(ConsumerRecord<byte[], byte[]> record, Destination source) {
        return toEnvelope(record, source, null);
    }

    /**
     * The envelope carried by {@code record}, received from {@code source}, its repeated header
     * values read through {@code recent} (a reader's own, {@code null} for none). Never throws on odd records.
     */
    static Envelope toEnvelope(ConsumerRecord<byte[], byte[]> record, Destination source, RecentValues recent) {
        String id = null;
        String contentType = null;
        Instant timestamp = null;
        Map<String, String> headers = null;
        String type = null;
        // The CloudEvents attributes Courier writes on every record, kept in locals; any other ce_ attribute
        // (a foreign CloudEvent's time, subject, extensions...) in a map made only when one comes.
        boolean cloudEvent = false;
        String ceId = null;
        String ceSource = null;
        String ceType = null;
        String ceSpecVersion = null;
        Map<String, String> ceOthers = null;
        for (Header header : record.headers()) {
            String name = header.key();
            byte[] bytes = header.value();
            switch (name) {
                case ID -> id = text(bytes); // the minimal form, and Courier 0.1 before the CloudEvents mapping
                case TYPE -> {
                    String value = constant(recent, RecentValues.TYPE, bytes);
                    type = value.isEmpty() ? null : value;
                }
                case CONTENT_TYPE, CLOUDEVENTS_CONTENT_TYPE -> contentType = constant(recent, RecentValues.CONTENT_TYPE, bytes);
                case TIMESTAMP -> timestamp = millis(text(bytes));
                case CE_ID -> {
                    cloudEvent = true;
                    ceId = text(bytes);
                }
                case CE_SOURCE -> {
                    cloudEvent = true;
                    ceSource = constant(recent, RecentValues.SOURCE, bytes);
                }
                case CE_TYPE -> {
                    cloudEvent = true;
                    ceType = constant(recent, RecentValues.TYPE, bytes);
                }
                case CE_SPECVERSION -> {
                    cloudEvent = true;
                    ceSpecVersion = constant(recent, RecentValues.SPEC_VERSION, bytes);
                }
                default -> {
                    if (name.startsWith(CLOUDEVENTS_PREFIX)) {
                        cloudEvent = true;
                        if (ceOthers == null) {
                            ceOthers = new HashMap<>();
                        }
                        ceOthers.put(name.substring(CLOUDEVENTS_PREFIX.length()), text(bytes));
                    } else {
                        if (headers == null) {
                            headers = new HashMap<>();
                        }
                        headers.put(name.startsWith(ESCAPED_PREFIX) ? name.substring(ESCAPED_PREFIX.length())
                                : HeaderEscape.fromWire(name), text(bytes));
                    }
                }
            }
        }
        if (cloudEvent && (id == null || id.isEmpty())) {
            Map<String, String> others = ceOthers == null ? Map.of() : ceOthers;
            String eventId = ceId;
            String eventSource = ceSource;
            String eventType = ceType;
            String eventSpecVersion = ceSpecVersion;
            Function<String, String> attribute = attributeName -> switch (attributeName) {
                case CloudEvents.ID -> eventId;
                case CloudEvents.SOURCE -> eventSource;
                case CloudEvents.TYPE -> eventType;
                case CloudEvents.SPECVERSION -> eventSpecVersion;
                default -> others.get(attributeName);
            };
            id = ceId;
            type = Envelope.receivedType(ceType, source);
            boolean fromCourier = ceSource != null && ceSource.startsWith(COURIER_SOURCE);
            if (others.containsKey(CloudEvents.TIME)) {
                var foreign = CloudEvents.read(attribute);
                if (foreign.isPresent() && foreign.get().time() != null) {
                    timestamp = foreign.get().time();
                }
            }
            if (contentType == null) {
                contentType = others.get(CloudEvents.DATACONTENTTYPE);
            }
            if (!fromCourier) {
                // a CloudEvent from elsewhere: its other attributes stay visible as headers
                if (headers == null) {
                    headers = new HashMap<>();
                }
                for (String name : new String[] {CloudEvents.SOURCE, CloudEvents.TYPE, CloudEvents.SPECVERSION}) {
                    String value = attribute.apply(name);
                    if (value != null) {
                        headers.put(CLOUDEVENTS_PREFIX + name, value);
                    }
                }
                for (Map.Entry<String, String> other : others.entrySet()) {
                    String name = other.getKey();
                    if (!name.equals(CloudEvents.TIME) && !name.equals(CloudEvents.DATACONTENTTYPE)) {
                        headers.put(CLOUDEVENTS_PREFIX + name, other.getValue());
                    }
                }
            }
        }
        if (id == null || id.isEmpty()) {
            id = record.topic() + "-" + record.partition() + "-" + record.offset();
        }
        if (timestamp == null) {
            timestamp = Instant.ofEpochMilli(Math.max(0, record.timestamp()));
        }
        String key = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
        byte[] payload = record.value() == null ? new byte[0] : record.value();
        return new Envelope(id, source, key, headers == null ? Map.of() : headers, payload,
                contentType == null ? UNKNOWN_CONTENT_TYPE : contentType, timestamp, type);
    }

    /** A header value as text; an absent value is empty. */
    private static String text(byte[] bytes) {
        return bytes == null ? "" : new String(bytes, StandardCharsets.UTF_8);
    }

    /**
     * A header value that is usually the same on every record of a topic (a source, a type, a
     * content type, the spec version) as text, decoded once per distinct value.
     */
    private static String constant(byte[] bytes) {
        return bytes == null || bytes.length > MAX_CONSTANT_BYTES ? text(bytes) : CONSTANTS.get(new Utf8(bytes));
    }

    /** {@link #constant(byte[])}, first compared with the value of the same header that {@code recent} read last. */
    private static String constant(RecentValues recent, int header, byte[] bytes) {
        return recent == null || bytes == null ? constant(bytes) : recent.text(header, bytes);
    }

    /**
     * The text of the header values that repeat (source, type, spec version, content type) as one
     * reader last decoded them, by header. The records of a topic usually carry the same values one
     * after another, so a value equal to the last one of its header is one comparison of bytes,
     * without hashing or a lookup in {@link #CONSTANTS} shared by every thread, and allocates
     * nothing. One per reading thread (a consumer's poll loop): not thread safe. It keeps the last
     * record's value arrays, which nothing modifies (as {@link #CONSTANTS} keeps the first).
     */
    static final class RecentValues {

        static final int SOURCE = 0;
        static final int TYPE = 1;
        static final int SPEC_VERSION = 2;
        static final int CONTENT_TYPE = 3;

        private final byte[][] values = new byte[4][];
        private final String[] texts = new String[4];

        private String text(int header, byte[] bytes) {
            byte[] last = values[header];
            if (last != null && Arrays.equals(last, bytes)) {
                return texts[header];
            }
            String text = constant(bytes);
            values[header] = bytes;
            texts[header] = text;
            return text;
        }
    }

    /** Header value bytes compared by content, as the key of {@link #CONSTANTS}. */
    private record Utf8(byte[] bytes) {

        @Override
        public boolean equals(Object other) {
            return other instanceof Utf8 utf8 && Arrays.equals(bytes, utf8.bytes);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(bytes);
        }

        @Override
        public String toString() {
            return new String(bytes, StandardCharsets.UTF_8);
        }
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
