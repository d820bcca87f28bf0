package dev.courier.test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * One thing a {@link TestBus} saw, in the order it happened. Publishes are recorded once the
 * broker confirmed them; the others come from the bus's {@link dev.courier.api.BusListener}.
 */
public sealed interface Recorded {

    /** The topic (or work queue) it happened on. */
    String topic();

    /**
     * A message published (or a job submitted) through the test bus and confirmed.
     *
     * @param payload the payload as it was given to {@code publish}, not encoded
     */
    record Published(String id, String topic, String key, Map<String, String> headers, Object payload)
            implements Recorded {

        public Published {
            headers = Map.copyOf(headers);
        }

        @Override
        public String toString() {
            return "published " + id + " on " + topic + (key == null ? "" : " key " + key)
                    + (headers.isEmpty() ? "" : " headers " + headers) + ": " + describe(payload);
        }
    }

    /** An attempt at handling that succeeded: the message will be acknowledged. */
    record Handled(String id, String topic, String group, int attempt) implements Recorded {

        @Override
        public String toString() {
            return "handled " + id + " on " + topic + by(group) + " at attempt " + attempt;
        }
    }

    /** A failed attempt that will be tried again after {@code delay}. */
    record Retried(String id, String topic, String group, int attempt, Duration delay, Throwable cause)
            implements Recorded {

        @Override
        public String toString() {
            return "retried " + id + " on " + topic + by(group) + " after attempt " + attempt + " in "
                    + delay.toMillis() + " ms: " + cause;
        }
    }

    /**
     * A message sent to its dead-letter queue after {@code attempts} attempts.
     *
     * @param queue   the dead-letter queue, as {@link dev.courier.api.Subscription#deadLetterQueue()} names it
     * @param headers the original message's headers (the dead letter has the
     *                {@link dev.courier.api.DeadLetterHeaders} as well)
     * @param payload the payload as it travelled, encoded
     */
    record DeadLettered(String id, String topic, String group, String queue, String key, Map<String, String> headers,
                        byte[] payload, int attempts, Throwable cause) implements Recorded {

        public DeadLettered {
            headers = Map.copyOf(headers);
            Objects.requireNonNull(payload, "payload");
        }

        /** The payload as UTF-8 text (JSON for objects). */
        public String payloadText() {
            return new String(payload, StandardCharsets.UTF_8);
        }

        @Override
        public String toString() {
            return "dead-lettered " + id + " on " + topic + by(group) + " to " + queue + " after " + attempts
                    + " attempt(s): " + cause + "; payload " + describe(payloadText());
        }
    }

    private static String by(String group) {
        return group == null ? "" : " by " + group;
    }

    private static String describe(Object payload) {
        String text = payload instanceof byte[] bytes ? bytes.length + " bytes" : String.valueOf(payload);
        String type = payload == null ? "" : payload.getClass().getSimpleName() + " ";
        return type + (text.length() > 200 ? text.substring(0, 200) + "…" : text);
    }
}
