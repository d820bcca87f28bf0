package dev.courier.benchmarks;

/**
 * One side of a comparison on one broker: a way to publish and consume (the raw client with the
 * guarantees Courier gives, or Courier itself). Each instance uses its own fresh topic. What
 * travels is a {@link PayloadFormat}'s message carrying the {@link System#nanoTime()} of its
 * publish call; making and reading that message is part of the measured path on both sides.
 *
 * <p>Threading: {@link #publish} and {@link #publishBatch} are called from one publisher thread;
 * the receiver is called from the contender's consumer thread(s); callbacks may run on client I/O
 * threads.
 */
interface Contender extends AutoCloseable {

    /** Called with each received message's publish time before the message is acknowledged. */
    interface Receiver {
        void received(long sentAt);
    }

    /** Called once per published message: {@code failure} is null when the broker confirmed it. */
    interface Confirm {
        void completed(Throwable failure);
    }

    /** Creates the topic and the consuming group, starts consuming; returns once ready. */
    void start(Receiver receiver) throws Exception;

    /** Publishes one message stamped {@code sentAt} asynchronously; never blocks on broker I/O for long. */
    void publish(long sentAt, Confirm confirm);

    /**
     * Publishes one message per stamp in one go, {@code confirm} called once per message. By
     * default one {@link #publish} each; contenders with a batch call of their own override it.
     */
    default void publishBatch(long[] sentAts, Confirm confirm) {
        for (long sentAt : sentAts) {
            publish(sentAt, confirm);
        }
    }

    /** Stops consuming, deletes what {@link #start} created where it can, and disconnects. */
    @Override
    void close();
}
