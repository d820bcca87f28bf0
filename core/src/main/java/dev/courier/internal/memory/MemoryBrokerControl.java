package dev.courier.internal.memory;

/**
 * Stops and starts a {@code memory://name} broker, to test what applications do when their
 * broker restarts. While stopped, publishes fail with {@code PublishException} and every unacked
 * message returns to its queue, as with a real broker that lost its connections. It can also
 * hold declarations (a slow broker) and refuse sends to one destination (a full or unreachable
 * dead-letter queue, a message too large once headers are added).
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

    /** Makes declarations on the broker {@code name} wait until {@link #releaseDeclarations}, like a slow broker. */
    public static void holdDeclarations(String name) {
        MemoryBroker.named(name).holdDeclarations();
    }

    /** Lets held and later declarations on the broker {@code name} go through. */
    public static void releaseDeclarations(String name) {
        MemoryBroker.named(name).releaseDeclarations();
    }

    /** Makes the broker {@code name} refuse every send to {@code destination} (a topic or queue name), saying {@code reason}. */
    public static void refuseSends(String name, String destination, String reason) {
        MemoryBroker.named(name).refuseSends(destination, reason);
    }

    /** Makes the broker {@code name} accept sends to {@code destination} again. */
    public static void acceptSends(String name, String destination) {
        MemoryBroker.named(name).acceptSends(destination);
    }

    /** True when the broker {@code name} holds {@code destination}: declared, and not removed since. */
    public static boolean exists(String name, dev.courier.spi.Destination destination) {
        return MemoryBroker.named(name).exists(destination);
    }

    /** True while the reply inbox {@code address} is open on the broker {@code name}. */
    public static boolean hasInbox(String name, String address) {
        return MemoryBroker.named(name).inbox(address) != null;
    }

    /** How many declarations the broker {@code name} received, held ones included. */
    public static long declarations(String name) {
        return MemoryBroker.named(name).declarations();
    }
}
