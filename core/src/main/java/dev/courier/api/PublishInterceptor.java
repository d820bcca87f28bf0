package dev.courier.api;

import java.util.concurrent.CompletionStage;

/**
 * One step of the publish pipeline, added with {@link BusOptions#withInterceptor}. Courier's own
 * steps are interceptors of this type in one list, outermost first:
 *
 * <ol>
 *   <li>stamp: checks the headers and event type and chooses the id; the message passed on
 *       carries its final id and event type ({@link OutgoingMessage#id()} is never {@code null}
 *       after it; the type is {@code null} only for a payload without one);</li>
 *   <li>trace: adds the current trace context's headers, unless the message carries one;</li>
 *   <li>observe: listeners see the publish confirmed or failed;</li>
 *   <li>user interceptors, in the order added;</li>
 *   <li>send: encodes the payload, checks its size, declares the destination if needed, sends
 *       and waits for the broker's confirmation.</li>
 * </ol>
 *
 * <p>An interceptor normally calls {@code next.proceed(message)} once, possibly with a changed
 * message (another header, say), and returns its stage. It may also keep the message instead of
 * sending it, returning a receipt of its own without calling {@code next}: a transactional outbox
 * stores the message with the business data and sends it later. What it throws fails the
 * publish's stage with {@link PublishException}. Interceptors run on the publishing thread and
 * must not block; they must be thread safe.
 *
 * <pre>{@code
 * PublishInterceptor tenant = (message, next) -> next.proceed(message.withHeader("tenant", currentTenant()));
 * }</pre>
 */
@FunctionalInterface
public interface PublishInterceptor {

    /** Publishes {@code message}, normally by calling {@code next.proceed}. */
    CompletionStage<PublishReceipt> intercept(OutgoingMessage message, Chain next);

    /** The steps after an interceptor. */
    interface Chain {

        /** Runs the remaining steps on {@code message}; the stage completes once the broker confirmed it. */
        CompletionStage<PublishReceipt> proceed(OutgoingMessage message);
    }
}
