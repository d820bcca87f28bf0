package dev.courier.api;

/**
 * Handles one message. Returning normally acknowledges it; throwing hands the failure to the
 * subscription's {@link RetryPolicy}, and once attempts run out the message is dead-lettered.
 *
 * <p>Handlers run on the subscription's worker threads, at most
 * {@link ConsumerOptions#concurrency()} at once, and never two at once for the same key. A
 * handler may be called more than once for one message (at-least-once delivery), so it should be
 * idempotent.
 *
 * @param <T> the payload type
 */
@FunctionalInterface
public interface MessageHandler<T> {

    /** Handles {@code message}; any exception means failure. */
    void handle(Message<T> message) throws Exception;
}
