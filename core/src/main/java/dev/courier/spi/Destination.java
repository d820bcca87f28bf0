package dev.courier.spi;

import java.util.Objects;

/**
 * Where an envelope goes or comes from: a topic (fan-out to every group) or a work queue (each
 * message to one worker).
 *
 * <p>Names reaching a transport are already validated by core: {@code [A-Za-z0-9._-]}, a topic at
 * most 120 characters, a queue at most 229 (dead-letter queues, named {@code <topic>.<group>.dlq},
 * are queues too).
 *
 * @param name the topic or queue name
 * @param kind whether {@code name} is a topic or a queue
 */
public record Destination(String name, Kind kind) {

    /** The two shapes of destination. */
    public enum Kind {
        /** Publish/subscribe: every group receives every message; members of a group compete. */
        TOPIC,
        /** Work queue: every message goes to exactly one consumer. */
        QUEUE
    }

    public Destination {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(kind, "kind");
    }

    /** A topic named {@code name}. */
    public static Destination topic(String name) {
        return new Destination(name, Kind.TOPIC);
    }

    /** A work queue named {@code name}. */
    public static Destination queue(String name) {
        return new Destination(name, Kind.QUEUE);
    }

    /** True for a work queue. */
    public boolean isQueue() {
        return kind == Kind.QUEUE;
    }

    @Override
    public String toString() {
        return (kind == Kind.TOPIC ? "topic " : "queue ") + name;
    }
}
