package dev.courier.test;

import dev.courier.api.Message;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * Received {@link Message}s for tests, with defaults for what a test rarely cares about: a random
 * id, topic {@value #DEFAULT_TOPIC}, no key, no headers, the content type Courier would send the
 * payload with, the current time (millisecond precision, as on the wire) and attempt 1.
 *
 * <pre>{@code
 * Message<OrderPlaced> first = TestMessages.of("orders", new OrderPlaced("o-1", 42));
 * Message<OrderPlaced> third = TestMessages.builder(new OrderPlaced("o-1", 42)).topic("orders").key("o-1").attempt(3).build();
 * }</pre>
 */
public final class TestMessages {

    /** The topic of a message built without one. */
    public static final String DEFAULT_TOPIC = "test";

    private TestMessages() {
    }

    /** A message on {@value #DEFAULT_TOPIC} carrying {@code payload}. */
    public static <T> Message<T> of(T payload) {
        return builder(payload).build();
    }

    /** A message on {@code topic} carrying {@code payload}. */
    public static <T> Message<T> of(String topic, T payload) {
        return builder(payload).topic(topic).build();
    }

    /** A builder starting from the defaults. */
    public static <T> Builder<T> builder(T payload) {
        return new Builder<>(payload);
    }

    /** The content type Courier sends {@code payload} with: bytes and text as they are, anything else as JSON. */
    static String contentTypeOf(Object payload) {
        if (payload instanceof byte[]) {
            return "application/octet-stream";
        }
        return payload instanceof String ? "text/plain; charset=utf-8" : "application/json";
    }

    /** Builds one {@link Message}; each setter returns this builder. Not thread safe. */
    public static final class Builder<T> {

        private final T payload;
        private String id = UUID.randomUUID().toString();
        private String topic = DEFAULT_TOPIC;
        private String key;
        private final Map<String, String> headers = new LinkedHashMap<>();
        private String contentType;
        private Instant timestamp = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        private int attempt = 1;

        private Builder(T payload) {
            this.payload = payload;
            this.contentType = contentTypeOf(payload);
        }

        public Builder<T> id(String newId) {
            this.id = Objects.requireNonNull(newId, "id");
            return this;
        }

        public Builder<T> topic(String newTopic) {
            this.topic = Objects.requireNonNull(newTopic, "topic");
            return this;
        }

        /** The ordering key, {@code null} for none. */
        public Builder<T> key(String newKey) {
            this.key = newKey;
            return this;
        }

        /** One more header (or a replaced one). */
        public Builder<T> header(String name, String value) {
            headers.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
            return this;
        }

        public Builder<T> contentType(String newContentType) {
            this.contentType = Objects.requireNonNull(newContentType, "contentType");
            return this;
        }

        public Builder<T> timestamp(Instant newTimestamp) {
            this.timestamp = Objects.requireNonNull(newTimestamp, "timestamp");
            return this;
        }

        /** The attempt number, 1 for the first. */
        public Builder<T> attempt(int newAttempt) {
            if (newAttempt < 1) {
                throw new IllegalArgumentException("attempt must be at least 1: " + newAttempt);
            }
            this.attempt = newAttempt;
            return this;
        }

        public Message<T> build() {
            return new Message<>(id, topic, key, headers, payload, contentType, timestamp, attempt);
        }
    }
}
