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
 * <p>An {@linkplain #ephemeral() ephemeral} destination lives as long as the bus that declared it:
 * a transport offering {@link Capabilities.Feature#EPHEMERAL_DESTINATIONS} creates it on
 * {@link Transport#declare} so that it holds messages while the bus is open (not necessarily
 * across a broker restart), and deletes it on {@link Transport#remove}, which core calls when the
 * bus closes. Ephemeral and durable destinations of one name never coexist: core generates
 * ephemeral names no durable destination has.
 *
 * @param name      the topic or queue name
 * @param kind      whether {@code name} is a topic or a queue
 * @param ephemeral true for a destination removed when the bus that declared it closes
 */
public record Destination(String name, Kind kind, boolean ephemeral) {

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

    /** A durable destination. */
    public Destination(String name, Kind kind) {
        this(name, kind, false);
    }

    /** An ephemeral work queue named {@code name}, removed when the bus that declared it closes. */
    public static Destination temporaryQueue(String name) {
        return new Destination(name, Kind.QUEUE, true);
    }

    /** This destination under the name {@code other}, its kind and lifetime unchanged. */
    public Destination withName(String other) {
        return new Destination(other, kind, ephemeral);
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
        return (ephemeral ? "temporary " : "") + (kind == Kind.TOPIC ? "topic " : "queue ") + name;
    }
}
