package dev.courier.internal;

import dev.courier.api.Message;
import dev.courier.api.MessageHandler;
import dev.courier.api.TypeRoutes;
import dev.courier.api.UnroutedTypeException;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The handler of a {@link TypeRoutes} subscription: finds the route of the message's type (one
 * map lookup), decodes the payload into its class and calls its handler; a message of no route's
 * type is acknowledged or fails with {@link UnroutedTypeException}, as the routes say.
 */
public final class TypeRouter implements MessageHandler<byte[]> {

    private static final Logger log = LoggerFactory.getLogger(TypeRouter.class);
    private static final Payloads SHARED_PAYLOADS = new Payloads();

    private final Map<String, MessageHandler<byte[]>> byType;
    private final TypeRoutes.Unrouted unrouted;

    private TypeRouter(Map<String, MessageHandler<byte[]>> byType, TypeRoutes.Unrouted unrouted) {
        this.byType = byType;
        this.unrouted = unrouted;
    }

    /**
     * The handler for {@code routes}, decoding strictly or not.
     *
     * @throws IllegalArgumentException when there are no routes, a route's type is invalid, a
     *                                  class has no event type, or two routes share a type
     */
    public static MessageHandler<byte[]> of(TypeRoutes routes, boolean strict) {
        return of(routes, SHARED_PAYLOADS, strict);
    }

    static MessageHandler<byte[]> of(TypeRoutes routes, Payloads payloads, boolean strict) {
        Objects.requireNonNull(routes, "routes");
        if (routes.entries().isEmpty()) {
            throw new IllegalArgumentException("TypeRoutes without a route");
        }
        Map<String, MessageHandler<byte[]>> byType = new HashMap<>();
        for (TypeRoutes.Entry<?> entry : routes.entries()) {
            String type = typeOf(entry);
            if (byType.put(type, decodeStep(entry, payloads, strict)) != null) {
                throw new IllegalArgumentException("two routes for event type '" + type + "' in " + routes);
            }
        }
        return new TypeRouter(Map.copyOf(byType), routes.unrouted());
    }

    private static String typeOf(TypeRoutes.Entry<?> entry) {
        if (entry.type() != null) {
            // any type another producer may write ("com.example:order/placed"); only Courier's own
            // publishes keep to the name rule, so that they travel in every broker's headers
            if (entry.type().isBlank()) {
                throw new IllegalArgumentException("a route's event type must not be blank in " + entry);
            }
            return entry.type();
        }
        String type = EventTypeNames.of(entry.payloadType());
        if (type == null) {
            throw new IllegalArgumentException(entry.payloadType().getName() + " has no event type (see @EventType);"
                    + " name the type of the route: TypeRoutes.of(\"my.type\", " + entry.payloadType().getSimpleName()
                    + ".class, handler)");
        }
        return type;
    }

    private static <T> MessageHandler<byte[]> decodeStep(TypeRoutes.Entry<T> entry, Payloads payloads, boolean strict) {
        return new DecodeStep<>(payloads, entry.payloadType(), entry.handler(), strict);
    }

    @Override
    public void handle(Message<byte[]> message) throws Exception {
        String type = message.type();
        MessageHandler<byte[]> route = type == null ? null : byType.get(type);
        if (route != null) {
            route.handle(message);
            return;
        }
        String what = type == null ? "no event type" : "event type '" + type + "'";
        if (unrouted == TypeRoutes.Unrouted.ACK) {
            log.debug("Message {} on {} has {}, which no route handles; acknowledged", message.id(), message.topic(), what);
            return;
        }
        throw new UnroutedTypeException("message " + message.id() + " on " + message.topic() + " has " + what
                + ", which no route handles (routes: " + byType.keySet().stream().sorted().toList()
                + "); TypeRoutes.otherwise(Unrouted.ACK) acknowledges such messages instead");
    }
}
