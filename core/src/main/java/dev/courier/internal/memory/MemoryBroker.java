package dev.courier.internal.memory;

import dev.courier.spi.Destination;
import dev.courier.spi.Envelope;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The in-process broker behind one {@code memory://name}: topics with durable groups, and work
 * queues, kept for the life of the JVM. Thread safe.
 */
final class MemoryBroker {

    private static final Map<String, MemoryBroker> BROKERS = new ConcurrentHashMap<>();

    /** Topic name → group name → the group's queue. */
    private final Map<String, Map<String, MemoryQueue>> topics = new ConcurrentHashMap<>();
    private final Map<String, MemoryQueue> queues = new ConcurrentHashMap<>();

    private volatile boolean up = true;

    static MemoryBroker named(String name) {
        return BROKERS.computeIfAbsent(name, n -> new MemoryBroker());
    }

    boolean isUp() {
        return up;
    }

    /** Simulates a broker going down: sends fail and every unsettled delivery returns to its queue. */
    void stop() {
        up = false;
        allQueues().forEach(MemoryQueue::returnUnsettled);
    }

    /** Brings a stopped broker back; consumers resume where the queues stand. */
    void start() {
        up = true;
        allQueues().forEach(MemoryQueue::resume);
    }

    private java.util.stream.Stream<MemoryQueue> allQueues() {
        return java.util.stream.Stream.concat(queues.values().stream(),
                topics.values().stream().flatMap(groups -> groups.values().stream()));
    }

    void declare(Destination destination) {
        if (destination.isQueue()) {
            queue(destination.name());
        } else {
            topics.computeIfAbsent(destination.name(), t -> new ConcurrentHashMap<>());
        }
    }

    MemoryQueue queue(String name) {
        return queues.computeIfAbsent(name, n -> new MemoryQueue(this));
    }

    MemoryQueue group(String topic, String group) {
        return topics.computeIfAbsent(topic, t -> new ConcurrentHashMap<>()).computeIfAbsent(group, g -> new MemoryQueue(this));
    }

    /** Stores the envelope in its queue, or in every group of its topic. False if it was never declared. */
    boolean store(Envelope envelope) {
        Destination destination = envelope.destination();
        if (destination.isQueue()) {
            MemoryQueue queue = queues.get(destination.name());
            if (queue == null) {
                return false;
            }
            queue.offer(envelope);
            return true;
        }
        Map<String, MemoryQueue> groups = topics.get(destination.name());
        if (groups == null) {
            return false;
        }
        // Adding a group and publishing race benignly: a group that exists before the send sees it.
        groups.values().forEach(queue -> queue.offer(envelope));
        return true;
    }
}
