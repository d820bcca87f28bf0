package dev.courier.transport.rabbitmq;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.LongString;
import dev.courier.spi.CloudEvents;
import dev.courier.spi.Destination;
import dev.courier.spi.Envelope;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Date;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/**
 * Maps an {@link Envelope} to AMQP 0-9-1 message properties and back.
 *
 * <ul>
 *   <li>id: the {@code message-id} property; content type: the {@code content-type} property
 *       (either in the header {@code courier-id} / {@code courier-content-type} when longer than
 *       an AMQP short string's 255 bytes);</li>
 *   <li>key: the header {@code courier-key} (absent when the message has no key);</li>
 *   <li>timestamp: the CloudEvents attribute {@code cloudEvents_time} (RFC 3339, milliseconds);
 *       the AMQP {@code timestamp} property, in seconds, is set too, for tools; a
 *       {@code courier-timestamp} header (epoch milliseconds, written by Courier 0.1 snapshots)
 *       is still read and wins;</li>
 *   <li>user headers: the headers table, as UTF-8 long strings;</li>
 *   <li>CloudEvents attributes in binary content mode ({@code cloudEvents_id},
 *       {@code cloudEvents_source}, ...; the content type is the property), so CloudEvents SDKs
 *       read Courier messages;</li>
 *   <li>delivery mode 2 (persistent).</li>
 * </ul>
 *
 * <p>Messages published by other AMQP clients are accepted: a missing id or timestamp is taken
 * from the CloudEvents attributes when there are some, else a random UUID and the AMQP timestamp
 * (or the time of receipt); a missing content type becomes {@code application/octet-stream};
 * non-string header values arrive as their text form. Headers whose names Courier cannot carry
 * as user headers ({@code cloudEvents_*}: user header names have no underscore) are not passed on.
 */
final class AmqpMessages {

    static final String KEY = "courier-key";
    static final String TIMESTAMP = "courier-timestamp";
    static final String LONG_ID = "courier-id";
    static final String LONG_CONTENT_TYPE = "courier-content-type";
    /** Set by quorum queues on redelivery: how many times the message was delivered before. */
    static final String DELIVERY_COUNT = "x-delivery-count";
    /** The CloudEvents AMQP binding's header prefix for attributes. */
    static final String CLOUD_EVENTS_PREFIX = "cloudEvents_";

    private static final int SHORT_STRING_MAX_BYTES = 255;
    private static final int PERSISTENT = 2;

    private AmqpMessages() {
    }

    /** The properties carrying everything of {@code envelope} but its payload. */
    static AMQP.BasicProperties properties(Envelope envelope) {
        Map<String, Object> headers = new HashMap<>(envelope.headers().size() + 4);
        headers.putAll(envelope.headers());
        if (envelope.key() != null) {
            headers.put(KEY, envelope.key());
        }
        CloudEvents.attributes(envelope).forEach((name, value) -> {
            if (!name.equals(CloudEvents.DATACONTENTTYPE)) {
                headers.put(CLOUD_EVENTS_PREFIX + name, value);
            }
        });
        String id = envelope.id();
        if (!fitsShortString(id)) {
            headers.put(LONG_ID, id);
            id = null;
        }
        String contentType = envelope.contentType();
        if (!fitsShortString(contentType)) {
            headers.put(LONG_CONTENT_TYPE, contentType);
            contentType = null;
        }
        return new AMQP.BasicProperties.Builder()
                .messageId(id)
                .contentType(contentType)
                .deliveryMode(PERSISTENT)
                .timestamp(Date.from(envelope.timestamp()))
                .headers(headers)
                .build();
    }

    /** The envelope a delivery from {@code source} carries. */
    static Envelope envelope(Destination source, AMQP.BasicProperties properties, byte[] body, boolean quorum) {
        Map<String, Object> table = properties.getHeaders() == null ? Map.of() : properties.getHeaders();
        Map<String, String> headers = new HashMap<>(table.size());
        Map<String, String> cloudEvents = new HashMap<>();
        String key = null;
        Instant timestamp = null;
        String id = properties.getMessageId();
        String contentType = properties.getContentType();
        for (Map.Entry<String, Object> header : table.entrySet()) {
            String name = header.getKey();
            Object value = header.getValue();
            switch (name) {
                case KEY -> key = text(value);
                case TIMESTAMP -> timestamp = value instanceof Number millis ? Instant.ofEpochMilli(millis.longValue()) : null;
                case LONG_ID -> id = text(value);
                case LONG_CONTENT_TYPE -> contentType = text(value);
                default -> {
                    if (name.startsWith(CLOUD_EVENTS_PREFIX)) {
                        cloudEvents.put(name.substring(CLOUD_EVENTS_PREFIX.length()), text(value));
                    } else if (!(quorum && name.equals(DELIVERY_COUNT))) {
                        headers.put(name, text(value));
                    }
                }
            }
        }
        if (id == null || timestamp == null || contentType == null) {
            CloudEvents.Received event = CloudEvents.read(cloudEvents::get).orElse(null);
            if (event != null) {
                id = id != null ? id : event.id();
                timestamp = timestamp != null ? timestamp : event.time();
                contentType = contentType != null ? contentType : event.dataContentType();
            }
        }
        if (timestamp == null) {
            timestamp = properties.getTimestamp() != null ? properties.getTimestamp().toInstant() : Instant.now();
        }
        return new Envelope(id != null ? id : UUID.randomUUID().toString(), source, key, headers, body,
                contentType != null ? contentType : "application/octet-stream", timestamp);
    }

    /**
     * The delivery count: quorum queues count deliveries in {@code x-delivery-count}; classic
     * queues only say whether the message was delivered before.
     */
    static int deliveryCount(AMQP.BasicProperties properties, boolean redelivered, boolean quorum) {
        if (quorum && properties.getHeaders() != null
                && properties.getHeaders().get(DELIVERY_COUNT) instanceof Number previous) {
            return (int) Math.min(Integer.MAX_VALUE - 1L, previous.longValue()) + 1;
        }
        return redelivered ? 2 : 1;
    }

    private static boolean fitsShortString(String value) {
        return value.length() * 3 <= SHORT_STRING_MAX_BYTES
                || value.getBytes(StandardCharsets.UTF_8).length <= SHORT_STRING_MAX_BYTES;
    }

    /** The text of a header value: AMQP long strings are UTF-8 bytes. */
    private static String text(Object value) {
        if (value == null) {
            return "";
        }
        if (value instanceof LongString longString) {
            return new String(longString.getBytes(), StandardCharsets.UTF_8);
        }
        if (value instanceof byte[] bytes) {
            return new String(bytes, StandardCharsets.UTF_8);
        }
        return value.toString();
    }
}
