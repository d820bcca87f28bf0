package dev.courier.api;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A message to publish, with an optional ordering key and headers. Immutable: each
 * {@code with...} returns a copy.
 *
 * <pre>{@code
 * bus.publish(OutgoingMessage.of("orders", order).withKey(order.customerId()).withHeader("tenant", "acme"));
 * }</pre>
 *
 * @param topic       the topic to publish to
 * @param payload     the payload: {@code byte[]} and {@code String} are sent as they are, anything
 *                    else is encoded by the bus's {@link Codec} for its class (JSON by default)
 * @param key         the ordering key: messages with one key reach a group in publish order; or {@code null}
 * @param headers     headers to carry; names starting with {@code courier-} are reserved
 * @param id          the message id, or {@code null} to have one generated
 * @param type        the logical event type (the CloudEvents {@code type} attribute), or {@code null}
 *                    for the payload class's (see {@link EventType}); checked on publish like a topic
 *                    name: 1 to 120 characters of {@code [A-Za-z0-9._-]}
 * @param contentType the payload's media type on the wire, or {@code null} for the codec's
 *                    ({@code application/octet-stream} for {@code byte[]}, UTF-8 {@code text/plain}
 *                    for {@code String}); for example to send pre-encoded bytes as
 *                    {@code application/x-protobuf}. Not blank, no control characters
 * @param timestamp   when the message was published, or {@code null} for now; truncated to
 *                    milliseconds, the precision brokers keep. Given, it is the received
 *                    {@link Message#timestamp()} and the {@link PublishReceipt}'s, so that a
 *                    stored or received message can be re-sent unchanged
 * @param deliverAt   when the message is due: the broker holds it back until then and consumers
 *                    receive it afterwards (within the transport's granularity, see the README);
 *                    {@code null}, or a time not in the future, delivers it at once. Truncated to
 *                    milliseconds. Only on a transport offering delayed delivery (all of Courier's)
 */
public record OutgoingMessage(String topic, Object payload, String key, Map<String, String> headers, String id,
                              String type, String contentType, Instant timestamp, Instant deliverAt) {

    public OutgoingMessage {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(payload, "payload");
        headers = Map.copyOf(Objects.requireNonNull(headers, "headers"));
        if (contentType != null && (contentType.isBlank() || contentType.chars().anyMatch(Character::isISOControl))) {
            throw new IllegalArgumentException("a content type must be non-blank text without control characters: '"
                    + contentType + "'");
        }
        if (timestamp != null) {
            timestamp = timestamp.truncatedTo(ChronoUnit.MILLIS);
        }
        if (deliverAt != null) {
            deliverAt = deliverAt.truncatedTo(ChronoUnit.MILLIS);
        }
    }

    /** A message due at once. */
    public OutgoingMessage(String topic, Object payload, String key, Map<String, String> headers, String id,
                           String type, String contentType, Instant timestamp) {
        this(topic, payload, key, headers, id, type, contentType, timestamp, null);
    }

    /** A message with the codec's content type, stamped when published. */
    public OutgoingMessage(String topic, Object payload, String key, Map<String, String> headers, String id,
                           String type) {
        this(topic, payload, key, headers, id, type, null, null, null);
    }

    /** A message whose type is its payload class's. */
    public OutgoingMessage(String topic, Object payload, String key, Map<String, String> headers, String id) {
        this(topic, payload, key, headers, id, null, null, null, null);
    }

    /**
     * The faithful copy of a received message for {@code topic}: its payload, id, key, headers,
     * type, content type and timestamp, for example to re-send a dead letter or a stored message;
     * due at once.
     */
    public static OutgoingMessage copyOf(String topic, Message<?> received) {
        Objects.requireNonNull(received, "received");
        return new OutgoingMessage(topic, received.payload(), received.key(), received.headers(), received.id(),
                received.type(), received.contentType(), received.timestamp());
    }

    /** A message with no key and no headers. */
    public static OutgoingMessage of(String topic, Object payload) {
        return new OutgoingMessage(topic, payload, null, Map.of(), null, null, null, null, null);
    }

    /** This message with the ordering key {@code key} ({@code null} for none). */
    public OutgoingMessage withKey(String newKey) {
        return new OutgoingMessage(topic, payload, newKey, headers, id, type, contentType, timestamp, deliverAt);
    }

    /** This message with one more header (or a replaced one). */
    public OutgoingMessage withHeader(String name, String value) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
        Map<String, String> copy = new LinkedHashMap<>(headers);
        copy.put(name, value);
        return new OutgoingMessage(topic, payload, key, copy, id, type, contentType, timestamp, deliverAt);
    }

    /** This message with {@code newHeaders} instead of its headers. */
    public OutgoingMessage withHeaders(Map<String, String> newHeaders) {
        return new OutgoingMessage(topic, payload, key, newHeaders, id, type, contentType, timestamp, deliverAt);
    }

    /** This message with the given id instead of a generated one. */
    public OutgoingMessage withId(String newId) {
        return new OutgoingMessage(topic, payload, key, headers, newId, type, contentType, timestamp, deliverAt);
    }

    /** This message addressed to another topic. */
    public OutgoingMessage withTopic(String newTopic) {
        return new OutgoingMessage(newTopic, payload, key, headers, id, type, contentType, timestamp, deliverAt);
    }

    /**
     * This message with the event type {@code newType} instead of its payload class's, for
     * example to type a {@code String} or {@code byte[]} payload ({@code null}: the class's again).
     */
    public OutgoingMessage withType(String newType) {
        return new OutgoingMessage(topic, payload, key, headers, id, newType, contentType, timestamp, deliverAt);
    }

    /**
     * This message with the content type {@code newContentType} instead of its codec's
     * ({@code null}: the codec's again), for example {@code application/x-protobuf} for bytes
     * encoded already.
     */
    public OutgoingMessage withContentType(String newContentType) {
        return new OutgoingMessage(topic, payload, key, headers, id, type, newContentType, timestamp, deliverAt);
    }

    /** This message stamped {@code newTimestamp} (milliseconds kept) instead of when it is published ({@code null}). */
    public OutgoingMessage withTimestamp(Instant newTimestamp) {
        return new OutgoingMessage(topic, payload, key, headers, id, type, contentType, newTimestamp, deliverAt);
    }

    /**
     * This message due at {@code due} instead of at once ({@code null}: at once again): the broker
     * holds it until then. A time not in the future delivers it at once. How far ahead a transport
     * reaches (at least 30 days on Courier's own) and how late after {@code due} it delivers (its
     * granularity) are in its README; a transport without delayed delivery, or a due time beyond
     * its reach, fails the publish before any I/O.
     */
    public OutgoingMessage withDeliverAt(Instant due) {
        return new OutgoingMessage(topic, payload, key, headers, id, type, contentType, timestamp, due);
    }

    /**
     * This message due {@code delay} from now (the time of this call, not of the publish): short
     * for {@code withDeliverAt(Instant.now().plus(delay))}. Zero delivers it at once.
     *
     * @throws IllegalArgumentException when the delay is negative
     */
    public OutgoingMessage withDelay(Duration delay) {
        Objects.requireNonNull(delay, "delay");
        if (delay.isNegative()) {
            throw new IllegalArgumentException("a delay must not be negative: " + delay);
        }
        return withDeliverAt(delay.isZero() ? null : Instant.now().plus(delay));
    }
}
