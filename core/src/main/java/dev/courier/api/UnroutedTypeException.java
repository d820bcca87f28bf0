package dev.courier.api;

/**
 * A message reached a {@link TypeRoutes} subscription with an event type none of its routes
 * names (or with no type). Like any {@link DecodingException} it is not retried by default: the message goes
 * to the dead-letter queue at once, with this exception's message, which names the type, as
 * {@code courier-error-message}. {@code TypeRoutes.otherwise(Unrouted.ACK)} acknowledges such
 * messages instead.
 */
public class UnroutedTypeException extends DecodingException {

    public UnroutedTypeException(String message) {
        super(message, null);
    }
}
