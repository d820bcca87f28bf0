package dev.courier.api;

import java.time.Duration;

/**
 * Callbacks on what a bus does, for metrics, logs or audits. Register with
 * {@link BusOptions#withListener(BusListener)}; the optional {@code courier-micrometer} module
 * provides one that records Micrometer meters.
 *
 * <p>Every method has an empty default, so implement only what you need. Callbacks run on
 * Courier's threads in the middle of its work: keep them fast and non-blocking. An exception
 * thrown by a listener is logged and otherwise ignored. Implementations must be thread safe.
 */
public interface BusListener {

    /** The broker confirmed a publish {@code elapsed} after it was called. */
    default void published(Route route, String messageId, Duration elapsed) {
    }

    /** A publish failed (encoding, refusal, timeout). */
    default void publishFailed(Route route, String messageId, Throwable error) {
    }

    /** A message was received from the broker and is about to be dispatched. */
    default void delivered(Route route, Message<byte[]> message) {
    }

    /** One attempt at handling finished after {@code duration}; {@code failure} is {@code null} on success. */
    default void handled(Route route, Message<byte[]> message, Duration duration, Throwable failure) {
    }

    /** A failed message will be tried again after {@code delay}. */
    default void retried(Route route, Message<byte[]> message, Duration delay, Throwable cause) {
    }

    /** A message was sent to its dead-letter queue (and the original acked). */
    default void deadLettered(Route route, Message<byte[]> message, Throwable cause) {
    }

    /**
     * A message whose attempts ran out could not be dead-lettered ({@code failure} says why: the
     * dead-letter queue refused it or could not be reached). The message stays unacknowledged,
     * holds only its own key and one in-flight slot, and is tried again after a backoff growing
     * from 1 s to 5 min; the subscription's health is {@link HealthStatus#DEGRADED} meanwhile.
     * Called once per failed try.
     */
    default void deadLetterFailed(Route route, Message<byte[]> message, Throwable failure) {
    }

    /** The number of received, unsettled messages of a subscription changed. */
    default void inFlightChanged(Route route, int inFlight) {
    }

    /**
     * The consumer lag of a subscription on one broker partition: how many records of
     * {@code partition} it has not handled yet (published and not yet settled), or {@code -1} once
     * the partition is no longer this subscription's (given to another member of the group, or the
     * subscription closed). Reported only by transports with partitions (Kafka), about once a
     * second while it changes, from the consumer's own view of the log end (no broker request).
     */
    default void backlogChanged(Route route, int partition, long records) {
    }

    /**
     * A reply arrived for a request that is no longer waiting (it timed out, or its bus is
     * closing) or that this bus never sent; it was dropped.
     *
     * @param route         the bus's reply inbox (its address as the topic)
     * @param correlationId the request's correlation id, or {@code null} when the reply had none
     */
    default void replyDropped(Route route, String correlationId) {
    }
}
