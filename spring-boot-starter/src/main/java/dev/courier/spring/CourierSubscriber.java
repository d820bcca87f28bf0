package dev.courier.spring;

import dev.courier.api.MessageBus;
import dev.courier.api.Subscription;

/**
 * A consumer the starter runs in Spring's lifecycle, for handler code written without the
 * annotation, for example a class that subscribes itself:
 *
 * <pre>{@code
 * @Bean
 * CourierSubscriber email(EmailService email) {
 *     return email::start; // Subscription start(MessageBus bus)
 * }
 * }</pre>
 *
 * <p>Each bean of this type is called once, after the context is refreshed, and the subscription
 * it returns is closed (draining its running handlers) before the context destroys any bean,
 * together with the {@link CourierListener} methods'.
 */
@FunctionalInterface
public interface CourierSubscriber {

    /** Subscribes on {@code bus} and returns the subscription, which the starter closes on shutdown. */
    Subscription subscribe(MessageBus bus);
}
