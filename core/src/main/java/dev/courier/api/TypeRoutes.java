package dev.courier.api;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One handler per event type for a subscription whose topic carries several types, each with its
 * own payload class. Events of one aggregate published to one topic with one key (an order's
 * {@code OrderPlaced}, then its {@code OrderCancelled}) reach their handlers in publish order.
 * Immutable: each method returns a copy.
 *
 * <pre>{@code
 * bus.subscribe("orders", "billing", TypeRoutes
 *         .of(OrderPlaced.class, placed -> billing.open(placed.payload()))
 *         .and(OrderCancelled.class, cancelled -> billing.cancel(cancelled.payload()))
 *         .otherwise(TypeRoutes.Unrouted.ACK));
 * }</pre>
 *
 * <p>A route for a class matches the class's event type (see {@link EventType}); a route may also
 * name its type, for types from other producers or payloads without one
 * ({@code and("invoice.sent", String.class, ...)}). The payload is decoded into the matched
 * route's class, strictly unless the subscription asks for lenient decoding.
 *
 * <p>A message whose type no route names, or that has no type, is by default dead-lettered at
 * once with an {@link UnroutedTypeException} naming the type (so nothing is lost silently);
 * {@link #otherwise(Unrouted) otherwise(Unrouted.ACK)} acknowledges it instead, for a subscriber
 * interested in only some of a topic's types.
 */
public final class TypeRoutes {

    /** What becomes of a message whose type no route names. */
    public enum Unrouted {
        /** Dead-lettered at once, with {@link UnroutedTypeException}; the default. */
        DEAD_LETTER,
        /** Acknowledged without a handler. */
        ACK
    }

    /**
     * One route.
     *
     * @param type        the event type it matches, or {@code null} for {@code payloadType}'s
     * @param payloadType the class its messages are decoded into
     * @param handler     the handler
     * @param <T>         the payload type
     */
    public record Entry<T>(String type, Class<T> payloadType, MessageHandler<T> handler) {

        public Entry {
            Objects.requireNonNull(payloadType, "payloadType");
            Objects.requireNonNull(handler, "handler");
        }
    }

    private final List<Entry<?>> entries;
    private final Unrouted unrouted;

    private TypeRoutes(List<Entry<?>> entries, Unrouted unrouted) {
        this.entries = List.copyOf(entries);
        this.unrouted = unrouted;
    }

    /** Routes messages of {@code payloadType}'s event type to {@code handler}. */
    public static <T> TypeRoutes of(Class<T> payloadType, MessageHandler<T> handler) {
        return new TypeRoutes(List.of(), Unrouted.DEAD_LETTER).and(payloadType, handler);
    }

    /** Routes messages of event type {@code type} to {@code handler}, decoded as {@code payloadType}. */
    public static <T> TypeRoutes of(String type, Class<T> payloadType, MessageHandler<T> handler) {
        return new TypeRoutes(List.of(), Unrouted.DEAD_LETTER).and(type, payloadType, handler);
    }

    /** These routes and one for {@code payloadType}'s event type. */
    public <T> TypeRoutes and(Class<T> payloadType, MessageHandler<T> handler) {
        return with(new Entry<>(null, payloadType, handler));
    }

    /**
     * These routes and one for event type {@code type}, decoded as {@code payloadType}. The type
     * may be any non-blank text another producer writes ({@code com.example:order/placed}), not
     * only names Courier publishes.
     */
    public <T> TypeRoutes and(String type, Class<T> payloadType, MessageHandler<T> handler) {
        Objects.requireNonNull(type, "type");
        return with(new Entry<>(type, payloadType, handler));
    }

    /** These routes, with {@code choice} for messages whose type none of them names. */
    public TypeRoutes otherwise(Unrouted choice) {
        return new TypeRoutes(entries, Objects.requireNonNull(choice, "choice"));
    }

    /** The routes, in the order added. */
    public List<Entry<?>> entries() {
        return entries;
    }

    /** What becomes of a message whose type no route names; {@link Unrouted#DEAD_LETTER} unless chosen. */
    public Unrouted unrouted() {
        return unrouted;
    }

    private TypeRoutes with(Entry<?> entry) {
        List<Entry<?>> more = new ArrayList<>(entries);
        more.add(entry);
        return new TypeRoutes(more, unrouted);
    }

    @Override
    public String toString() {
        return "TypeRoutes" + entries.stream()
                .map(e -> (e.type() != null ? e.type() + "=" : "") + e.payloadType().getSimpleName()).toList()
                + ", otherwise " + unrouted;
    }
}
