package dev.courier.spring;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a bean method as a Courier handler: a member of {@link #group()} on {@link #topic()}, or a
 * worker of the work queue {@link #queue()}. The method takes one parameter, the payload
 * ({@code UserCreated}) or the whole message ({@code Message<UserCreated>}), whose type is the
 * payload type decoded; it returns {@code void}, and throwing fails the attempt (retried, then
 * dead-lettered, as {@link #maxAttempts()} says).
 *
 * <pre>{@code
 * @Component
 * class Welcome {
 *     @CourierListener(topic = "user.created", group = "email", concurrency = 4)
 *     void on(UserCreated event) { mailer.welcome(event.email()); }
 *
 *     @CourierListener(queue = "thumbnails", maxAttempts = 3)
 *     void render(Message<Thumbnail> job) { ... }
 * }
 * }</pre>
 *
 * <p>Put it on methods of singleton beans created at startup (not lazy, not prototype). Names may
 * hold {@code ${...}} placeholders, resolved from the environment. The listener starts
 * after the application context is refreshed and stops (draining running handlers) before the
 * context destroys any bean. An invalid declaration fails the startup with a message naming the
 * bean and the method. Unset attributes take the {@code courier.consumer.*} properties.
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface CourierListener {

    /** The topic to subscribe to; set it with {@link #group()}, or set {@link #queue()} instead. */
    String topic() default "";

    /** The consumer group on {@link #topic()}. */
    String group() default "";

    /** The work queue to work on, instead of a topic. */
    String queue() default "";

    /** Handlers running at once; 0 for {@code courier.consumer.concurrency}. */
    int concurrency() default 0;

    /** Messages received and not yet settled; 0 for {@code courier.consumer.max-in-flight}. */
    int maxInFlight() default 0;

    /** Attempts per message before it is dead-lettered; 0 for {@code courier.consumer.max-attempts}. */
    int maxAttempts() default 0;

    /**
     * The name of an {@link java.util.concurrent.Executor} bean that runs the handlers; empty for
     * {@code courier.consumer.executor} (by default, a pool of the listener's own).
     */
    String executor() default "";
}
