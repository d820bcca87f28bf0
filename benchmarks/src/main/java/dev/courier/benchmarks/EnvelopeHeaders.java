package dev.courier.benchmarks;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * For the {@code --raw-envelope} diagnostic: the headers Courier's transport for a broker adds to
 * every message (see the transport READMEs' mapping tables), so a raw client can carry the same
 * bytes. Ids come from a counter and the time is fixed, so the raw client pays for the bytes on
 * the wire, not for Courier's code that makes them. Used from one publisher thread.
 */
final class EnvelopeHeaders {

    private static final String ID_PREFIX = "00000000-0000-4000-8000-000000000000";

    private final String prefix;
    private final String topic;
    private final boolean withTime;
    private final String contentTypeHeader;
    private final String time = Instant.now().toString();
    private long sequence;

    private EnvelopeHeaders(String prefix, String topic, boolean withTime, String contentTypeHeader) {
        this.prefix = prefix;
        this.topic = topic;
        this.withTime = withTime;
        this.contentTypeHeader = contentTypeHeader;
    }

    /** Kafka: {@code ce_id}, {@code ce_source}, {@code ce_type}, {@code ce_specversion}, {@code content-type}; the time is the record's. */
    static EnvelopeHeaders kafka(String topic) {
        return new EnvelopeHeaders("ce_", topic, false, "content-type");
    }

    /** AMQP: the {@code cloudEvents_} headers; id and content type are also properties, which the contender sets. */
    static EnvelopeHeaders amqp(String topic) {
        return new EnvelopeHeaders("cloudEvents_", topic, true, null);
    }

    /** NATS: the {@code ce-} headers; the id is also the {@code Nats-Msg-Id}, which the contender sets. */
    static EnvelopeHeaders nats(String topic) {
        return new EnvelopeHeaders("ce-", topic, true, "ce-datacontenttype");
    }

    /** SNS and SQS: the {@code ce-} attributes and {@code content-type}; the id is also the message group id, which the contender sets. */
    static EnvelopeHeaders aws(String topic) {
        return new EnvelopeHeaders("ce-", topic, true, "content-type");
    }

    /** A 36-character id, like a UUID's text; cheap to make, so the raw client pays for bytes, not for ids. */
    String nextId() {
        String hex = Long.toHexString(sequence++);
        return ID_PREFIX.substring(0, ID_PREFIX.length() - hex.length()) + hex;
    }

    /** The headers of one message with id {@code id}. */
    Map<String, String> headers(String id) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put(prefix + "id", id);
        headers.put(prefix + "source", "/courier/" + topic);
        headers.put(prefix + "type", topic);
        headers.put(prefix + "specversion", "1.0");
        if (withTime) {
            headers.put(prefix + "time", time);
        }
        if (contentTypeHeader != null) {
            headers.put(contentTypeHeader, "application/octet-stream");
        }
        return headers;
    }
}
