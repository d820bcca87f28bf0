package dev.courier.api;

/**
 * Wraps the handling of a received message, the way Courier's own retry, dead-letter and
 * decoding steps do. Added with {@link ConsumerOptions#withMiddleware(Middleware)}.
 *
 * <p>Order, outermost first: dead-letter, retry, then user middleware in the order added,
 * then decoding, then the handler. So a user middleware sees every attempt, sees the raw payload
 * bytes, and an exception it throws is retried and then dead-lettered like a handler's.
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
