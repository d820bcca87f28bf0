package dev.courier.api;

import java.util.List;

/**
 * The messages a {@link BatchHandler} receives at once, in the order they arrived, and the
 * outcome of each: acknowledged unless marked with {@link #fail}. Thread safe: a handler may mark
 * messages from threads of its own, until it returns.
 *
 * @param <T> the payload type
 */
public interface Batch<T> {

    /** The messages, in the order they arrived; unmodifiable, never empty. */
    List<Message<T>> messages();

    /** The payloads of {@link #messages()}, in the same order; unmodifiable. */
    default List<T> payloads() {
        return messages().stream().map(Message::payload).toList();
    }

    /**
     * Marks {@code message} failed with {@code cause}: it is retried alone per the subscription's
     * {@link RetryPolicy}, and dead-lettered with {@code cause} as its reason once its attempts run
     * out; the batch's other messages are still acknowledged. Marking it again replaces the cause.
     *
     * @throws IllegalArgumentException when {@code message} is not one of {@link #messages()}
     * @throws IllegalStateException    when the handler returned already
     */
    void fail(Message<T> message, Throwable cause);
}
