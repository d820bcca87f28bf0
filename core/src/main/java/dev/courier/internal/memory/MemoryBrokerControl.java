package dev.courier.internal.memory;

/**
 * Stops and starts a {@code memory://name} broker, to test what applications do when their
 * broker restarts. While stopped, publishes fail with {@code PublishException} and every unacked
 * message returns to its queue, as with a real broker that lost its connections.
 */
public final class MemoryBrokerControl {

    private MemoryBrokerControl() {
    }

    /** Takes the broker {@code name} down. */
    public static void stop(String name) {
        MemoryBroker.named(name).stop();
    }

    /** Brings the broker {@code name} back. */
    public static void start(String name) {
        MemoryBroker.named(name).start();
    }
}
