package dev.courier.api;

/**
 * A running consumer: a group member on a topic, or workers on a work queue. Thread safe.
 */
public interface Subscription extends AutoCloseable {

    /** The topic or work queue consumed. */
    String topic();

    /** The group, or {@code null} for a work queue. */
    String group();

    /**
     * Where messages go when their attempts run out: the work queue {@code <topic>.<group>.dlq},
     * or {@code <queue>.dlq} for a work queue. Open it with {@link MessageBus#workQueue} to read
     * or replay dead letters.
     */
    String deadLetterQueue();

    /** Messages received and not yet settled (queued, running, or waiting to retry). */
    int inFlight();

    /**
     * Stops receiving, lets running handlers finish within the shutdown timeout and acknowledges
     * them, and gives every message not handled back to the broker for redelivery. Stopping is
     * never a failure: no message is retried or dead-lettered because of it. Idempotent; blocks
     * until done.
     */
    @Override
    void close();
}
