package dev.courier.benchmarks;

/**
 * One side of a comparison on one broker: a way to publish and consume (the raw client with the
 * guarantees Courier gives, or Courier itself). Each instance uses its own fresh topic.
 *
 * <p>Threading: {@link #publish} is called from one publisher thread; the receiver is called from
 * the contender's consumer thread(s); callbacks may run on client I/O threads.
 */
interface Contender extends AutoCloseable {

    /** Called with each received payload before the message is acknowledged. */
    interface Receiver {
        void received(byte[] payload);
    }

    /** Called once per publish: {@code failure} is null when the broker confirmed it. */
    interface Confirm {
        void completed(Throwable failure);
    }

    /** Creates the topic and the consuming group, starts consuming; returns once ready. */
    void start(Receiver receiver) throws Exception;

    /** Publishes asynchronously; never blocks on broker I/O for long. */
    void publish(byte[] payload, Confirm confirm);

    /** Stops consuming, deletes what {@link #start} created where it can, and disconnects. */
    @Override
    void close();
}
