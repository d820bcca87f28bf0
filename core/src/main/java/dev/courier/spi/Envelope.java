package dev.courier.spi;

import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;

/**
 * One message as it travels through a transport: bytes and strings only. Core encodes and
 * decodes payloads; a transport must carry every field to the consumer unchanged.
 *
 * <p>The payload array is not copied: neither core nor a transport modifies it after the
 * envelope is built.
 *
 * @param id          unique message id, also used by brokers that de-duplicate retried publishes
 * @param destination the topic or queue the message is sent to or was received from
 * @param key         the ordering key, or {@code null} when the message has none
 * @param headers     user headers, unmodifiable, never {@code null}
 * @param payload     the encoded payload, possibly empty, never {@code null}
 * @param contentType the payload's media type, for example {@code application/json}
 * @param timestamp   when the message was published, millisecond precision
 * @param type        the message's logical event type (the CloudEvents {@code type} attribute),
 *                    or {@code null} when it has none; a transport writes the destination name
 *                    as the attribute then, and on receive sets this only when the attribute is
 *                    not the destination's name
 * @param deliverAt   when the message becomes due, or {@code null} to deliver it at once; core
 *                    sets it only on a transport offering
 *                    {@link Capabilities.Feature#DELAYED_DELIVERY}, which holds the message back
 *                    durably until then and clears it on receive
 */
public record Envelope(String id, Destination destination, String key, Map<String, String> headers,
                       byte[] payload, String contentType, Instant timestamp, String type, Instant deliverAt) {

    public Envelope {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(destination, "destination");
        headers = Map.copyOf(Objects.requireNonNull(headers, "headers"));
        Objects.requireNonNull(payload, "payload");
        Objects.requireNonNull(contentType, "contentType");
        Objects.requireNonNull(timestamp, "timestamp");
    }

    /** An envelope due at once. */
    public Envelope(String id, Destination destination, String key, Map<String, String> headers,
                    byte[] payload, String contentType, Instant timestamp, String type) {
        this(id, destination, key, headers, payload, contentType, timestamp, type, null);
    }

    /** An envelope without a type, due at once. */
    public Envelope(String id, Destination destination, String key, Map<String, String> headers,
                    byte[] payload, String contentType, Instant timestamp) {
        this(id, destination, key, headers, payload, contentType, timestamp, null, null);
    }

    /** This envelope sent to another destination, everything else unchanged. */
    public Envelope withDestination(Destination other) {
        return new Envelope(id, other, key, headers, payload, contentType, timestamp, type, deliverAt);
    }

    /** This envelope with the type {@code newType} ({@code null} for none), everything else unchanged. */
    public Envelope withType(String newType) {
        return new Envelope(id, destination, key, headers, payload, contentType, timestamp, newType, deliverAt);
    }

    /** This envelope due at {@code due} ({@code null} for at once), everything else unchanged. */
    public Envelope withDeliverAt(Instant due) {
        return new Envelope(id, destination, key, headers, payload, contentType, timestamp, type, due);
    }

    /**
     * The type a receiving transport sets from the CloudEvents {@code type} attribute it read
     * ({@code null} when absent): {@code null} also when it is the name of {@code source}, the
     * type Courier writes for a message without one.
     */
    public static String receivedType(String attribute, Destination source) {
        return attribute == null || attribute.isEmpty() || attribute.equals(source.name()) ? null : attribute;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Envelope e && id.equals(e.id) && destination.equals(e.destination)
                && Objects.equals(key, e.key) && headers.equals(e.headers)
                && Arrays.equals(payload, e.payload) && contentType.equals(e.contentType)
                && timestamp.equals(e.timestamp) && Objects.equals(type, e.type)
                && Objects.equals(deliverAt, e.deliverAt);
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, destination, key, headers, Arrays.hashCode(payload), contentType, timestamp, type, deliverAt);
    }

    @Override
    public String toString() {
        return "Envelope[id=" + id + ", " + destination + ", key=" + key + ", headers=" + headers.keySet()
                + ", " + payload.length + " bytes " + contentType + ", timestamp=" + timestamp + (type == null ? "" : ", type=" + type)
                + (deliverAt == null ? "" : ", deliverAt=" + deliverAt) + "]";
    }
}
