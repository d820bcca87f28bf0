package dev.courier.api;

/**
 * The simple form of a {@link ConsumeInterceptor}: wraps the handling of a received message and
 * signals failure by throwing. Added with {@link ConsumerOptions#withMiddleware(Middleware)}; it
 * takes its place among the interceptors in the order added.
 *
 * <p>Order, outermost first: dead-letter, retry, observe, user interceptors and middleware in the
 * order added, then decoding, then the handler. So a middleware sees every attempt, with the
 * message's trace context current, sees the raw payload bytes, and what it throws is a failed
 * attempt, retried and then dead-lettered like a handler's. A failure of the steps inside reaches
 * it as the exception they threw; returning normally means handled. To return another
 * {@link Outcome} (retry later, say), write a {@link ConsumeInterceptor} instead. Must be thread safe.
 *
 * <p>Example: a middleware that logs slow messages.
 * <pre>{@code
 * Middleware timing = (message, next) -> {
 *     long start = System.nanoTime();
 *     next.handle(message);
 *     log.info("{} took {} µs", message.id(), (System.nanoTime() - start) / 1000);
 * };
 * }</pre>
 */
@FunctionalInterface
public interface Middleware {

    /**
     * Handles {@code message} (whose payload is still encoded), normally by calling
     * {@code next.handle(message)} exactly once, possibly with a changed message.
     */
    void handle(Message<byte[]> message, MessageHandler<byte[]> next) throws Exception;
}
