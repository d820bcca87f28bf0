package dev.courier.cli;

import dev.courier.api.DeadLetterHeaders;
import dev.courier.spi.Destination;
import dev.courier.spi.Envelope;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * One message of a dead-letter queue, read through the headers core writes on every broker
 * ({@link DeadLetterHeaders}).
 *
 * @param envelope the dead letter as the broker holds it
 */
record DeadLetter(Envelope envelope) {

    String id() {
        return envelope.id();
    }

    /** The topic or work queue it was consumed from, or {@code null} when it carries none. */
    String originalTopic() {
        return envelope.headers().get(DeadLetterHeaders.ORIGINAL_TOPIC);
    }

    /** The group that failed, or {@code null} for a work queue's dead letter. */
    String group() {
        return envelope.headers().get(DeadLetterHeaders.GROUP);
    }

    /** The failure's class and message, {@code -} when unknown. */
    String error() {
        String type = envelope.headers().getOrDefault(DeadLetterHeaders.ERROR_CLASS, "-");
        String message = envelope.headers().get(DeadLetterHeaders.ERROR_MESSAGE);
        return message == null ? type : type + ": " + message;
    }

    String attempts() {
        return envelope.headers().getOrDefault(DeadLetterHeaders.ATTEMPTS, "-");
    }

    /** Time since the original message was published. */
    Duration age(Instant now) {
        Duration age = Duration.between(envelope.timestamp(), now);
        return age.isNegative() ? Duration.ZERO : age;
    }

    /**
     * Where a replay sends it: back to its topic, for its group only, or back to its work queue.
     *
     * @throws IllegalStateException when the dead letter does not say where it came from
     */
    Destination replayDestination() {
        String original = originalTopic();
        if (original == null) {
            throw new IllegalStateException("dead letter " + id() + " has no " + DeadLetterHeaders.ORIGINAL_TOPIC
                    + " header; it was not written by Courier");
        }
        return group() == null ? Destination.queue(original) : Destination.topic(original);
    }

    /**
     * The message a replay sends: the original payload, key, content type, type, timestamp and
     * headers, without the dead-letter headers; a topic's dead letter names its group in
     * {@link DeadLetterHeaders#TARGET_GROUP} so that only that group handles it again. A new id when the broker
     * would drop a repeated one ({@code newId}).
     */
    Envelope replay(boolean newId) {
        Map<String, String> headers = new LinkedHashMap<>(envelope.headers());
        headers.remove(DeadLetterHeaders.ERROR_CLASS);
        headers.remove(DeadLetterHeaders.ERROR_MESSAGE);
        headers.remove(DeadLetterHeaders.ATTEMPTS);
        headers.remove(DeadLetterHeaders.ORIGINAL_TOPIC);
        headers.remove(DeadLetterHeaders.GROUP);
        headers.remove(DeadLetterHeaders.TARGET_GROUP);
        if (group() != null) {
            headers.put(DeadLetterHeaders.TARGET_GROUP, group());
        }
        return new Envelope(newId ? UUID.randomUUID().toString() : id(), replayDestination(), envelope.key(), headers,
                envelope.payload(), envelope.contentType(), envelope.timestamp(), envelope.type());
    }

    /** Where a replay goes, for the operator: {@code topic t, group g} or {@code queue q}. */
    String replayTarget() {
        return group() == null ? "queue " + originalTopic() : "topic " + originalTopic() + ", group " + group();
    }
}
