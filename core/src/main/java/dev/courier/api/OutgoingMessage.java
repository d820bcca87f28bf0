package dev.courier.api;

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
 * @param topic   the topic to publish to
 * @param payload the payload: {@code byte[]} and {@code String} are sent as they are, anything
 *                else is encoded as JSON
 * @param key     the ordering key: messages with one key reach a group in publish order; or {@code null}
 * @param headers headers to carry; names starting with {@code courier-} are reserved
 * @param id      the message id, or {@code null} to have one generated
 * @param type    the logical event type (the CloudEvents {@code type} attribute), or {@code null}
 *                for the payload class's (see {@link EventType}); checked on publish like a topic
 *                name: 1 to 120 characters of {@code [A-Za-z0-9._-]}
 */
public record OutgoingMessage(String topic, Object payload, String key, Map<String, String> headers, String id,
                              String type) {

    public OutgoingMessage {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(payload, "payload");
        headers = Map.copyOf(Objects.requireNonNull(headers, "headers"));
    }

    /** A message whose type is its payload class's. */
    public OutgoingMessage(String topic, Object payload, String key, Map<String, String> headers, String id) {
        this(topic, payload, key, headers, id, null);
    }

    /** A message with no key and no headers. */
    public static OutgoingMessage of(String topic, Object payload) {
        return new OutgoingMessage(topic, payload, null, Map.of(), null, null);
    }

    /** This message with the ordering key {@code key} ({@code null} for none). */
    public OutgoingMessage withKey(String newKey) {
        return new OutgoingMessage(topic, payload, newKey, headers, id, type);
    }

    /** This message with one more header (or a replaced one). */
    public OutgoingMessage withHeader(String name, String value) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
        Map<String, String> copy = new LinkedHashMap<>(headers);
        copy.put(name, value);
        return new OutgoingMessage(topic, payload, key, copy, id, type);
    }

    /** This message with {@code newHeaders} instead of its headers. */
    public OutgoingMessage withHeaders(Map<String, String> newHeaders) {
        return new OutgoingMessage(topic, payload, key, newHeaders, id, type);
    }

    /** This message with the given id instead of a generated one. */
    public OutgoingMessage withId(String newId) {
        return new OutgoingMessage(topic, payload, key, headers, newId, type);
    }

    /** This message addressed to another topic. */
    public OutgoingMessage withTopic(String newTopic) {
        return new OutgoingMessage(newTopic, payload, key, headers, id, type);
    }

    /**
     * This message with the event type {@code newType} instead of its payload class's, for
     * example to type a {@code String} or {@code byte[]} payload ({@code null}: the class's again).
     */
    public OutgoingMessage withType(String newType) {
        return new OutgoingMessage(topic, payload, key, headers, id, newType);
    }
}
