package dev.courier.api;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A received message. Immutable; the headers map is unmodifiable.
 *
 * @param id          unique id given at publish time
 * @param topic       the topic (or work queue) it was published to
 * @param key         the ordering key, or {@code null}
 * @param headers     user headers, never {@code null}
 * @param payload     the decoded payload
 * @param contentType the payload's media type on the wire, for example {@code application/json}
 * @param timestamp   when it was published, millisecond precision
 * @param attempt     1 on the first attempt; counts in-process retries, broker redeliveries and the
 *                    attempts before each {@linkplain RetryPolicy#withRescheduling rescheduling}
 * @param type        the logical event type (the CloudEvents {@code type} attribute, see
 *                    {@link EventType}), or {@code null} when the message has none: a
 *                    {@code byte[]} or {@code String} payload published without
 *                    {@link OutgoingMessage#withType}, or a message from another producer whose
 *                    type is absent or the topic's name
 * @param <T>         the payload type
 */
public record Message<T>(String id, String topic, String key, Map<String, String> headers, T payload,
                         String contentType, Instant timestamp, int attempt, String type) {

    public Message {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(topic, "topic");
        headers = Map.copyOf(Objects.requireNonNull(headers, "headers"));
        Objects.requireNonNull(contentType, "contentType");
        Objects.requireNonNull(timestamp, "timestamp");
    }

    /** A message without a type. */
    public Message(String id, String topic, String key, Map<String, String> headers, T payload,
                   String contentType, Instant timestamp, int attempt) {
        this(id, topic, key, headers, payload, contentType, timestamp, attempt, null);
    }

    /** The type, if the message has one. */
    public Optional<String> optionalType() {
        return Optional.ofNullable(type);
    }

    /** The key, if the message has one. */
    public Optional<String> optionalKey() {
        return Optional.ofNullable(key);
    }

    /** The header's value, if present. */
    public Optional<String> header(String name) {
        return Optional.ofNullable(headers.get(name));
    }

    /** The same message with another payload, for middleware that transforms it. */
    public <R> Message<R> withPayload(R newPayload) {
        return new Message<>(id, topic, key, headers, newPayload, contentType, timestamp, attempt, type);
    }

    /** The same message on another attempt. */
    public Message<T> withAttempt(int newAttempt) {
        return new Message<>(id, topic, key, headers, payload, contentType, timestamp, newAttempt, type);
    }
}
