package dev.courier.api;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The event type name of a payload class: what the publisher writes as the message's CloudEvents
 * {@code type} attribute, and what {@link TypeRoutes} matches on.
 *
 * <pre>{@code
 * @EventType("order.placed")
 * record OrderPlaced(String orderId, long cents) {}
 * }</pre>
 *
 * <p>Without this annotation a class's type is its name without the package, nested classes
 * joined by a dot ({@code OrderPlaced}, {@code OrderEvents.Placed}); a local class's is its simple
 * name. Messages whose payload is a {@code byte[]}, a {@code String}, an array, an anonymous
 * class, or a JDK or Jackson type ({@code Map}, {@code List}, {@code JsonNode}, ...) have no type
 * unless {@link OutgoingMessage#withType} gives one; on the wire their type attribute is the topic
 * name, as it always was. A name is 1 to 120 characters of {@code [A-Za-z0-9._-]}; a class whose
 * derived name does not fit is published without a type (and logged once), so give it this
 * annotation. Each name is worked out once per class.
 *
 * <p>Renaming or moving a class changes its default type, and subscribers routing on the old name
 * no longer match: annotate classes whose messages outlive a deployment.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface EventType {

    /** The type name, 1 to 120 characters of {@code [A-Za-z0-9._-]}. */
    String value();
}
