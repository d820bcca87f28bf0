package dev.courier.api;

/**
 * Handles messages a batch at a time ({@link MessageBus#subscribeBatch}, {@link WorkQueue#workBatch}),
 * with an outcome per message: returning normally acknowledges every message of the
 * {@link Batch} except those marked with {@link Batch#fail}; throwing fails all of them with what
 * was thrown.
 *
 * <p>Each message still goes through the subscription's own steps alone, in the usual order
 * (retry, dead-letter, interceptors and middleware, decoding); the batch handler is the innermost
 * step, where the messages wait for their batch. So a failed message is retried alone, after its
 * backoff, in a later batch, and dead-lettered alone with the usual {@link DeadLetterHeaders}
 * (the reason is the cause given to {@code fail}) once its attempts run out; the other messages
 * of its batch are acknowledged. Middleware sees each message, not the batch.
 *
 * <p>A batch closes when it holds {@link BatchOptions#maxMessages()} messages or
 * {@link BatchOptions#maxWait()} after its first message arrived, and runs on the worker thread of
 * the message that closed it; batches run one after another or at once, as workers allow, so a
 * handler must be thread safe when the subscription's concurrency exceeds {@code maxMessages}.
 * Every message of a batch holds its worker until the batch has run, so the subscription runs at
 * least {@code maxMessages} workers. Messages with the same key never run at once: a batch holds
 * at most one message per key, and a key's messages come in successive batches in their order
 * (where the transport keeps order per key).
 *
 * @param <T> the payload type
 */
@FunctionalInterface
public interface BatchHandler<T> {

    /** Handles {@code batch}; any exception fails every message of it. */
    void handle(Batch<T> batch) throws Exception;
}
