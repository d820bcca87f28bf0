package dev.courier.api;

/**
 * One step of the consume pipeline: sees every attempt at a received message, whose payload is
 * still encoded, and returns its {@link Outcome}. Courier's own steps are interceptors of this
 * type in one list, outermost first:
 *
 * <ol>
 *   <li>dead-letter: a {@link Outcome.Failed failure} that comes back is sent to the dead-letter
 *       queue and becomes {@link Outcome.DeadLettered};</li>
 *   <li>retry: a failure becomes {@link Outcome.Retry} while the {@link RetryPolicy} allows;</li>
 *   <li>observe: the message's trace context is current inside, listeners see each attempt;</li>
 *   <li>user interceptors and {@link Middleware}, in the order added with
 *       {@link ConsumerOptions#withInterceptor} and {@link ConsumerOptions#withMiddleware};</li>
 *   <li>decode: the payload is decoded into the handler's type and the handler runs
 *       ({@link Outcome#handled()} when it returns, {@link Outcome#failed} when it throws).</li>
 * </ol>
 *
 * <p>An interceptor normally calls {@code next.proceed(message)} once, possibly with a changed
 * message, and returns its outcome or another one; it may also return without calling it (to
 * skip a duplicate, say). Anything it throws, and a {@code null} it returns, is a failed attempt.
 * Interceptors run on handler threads, concurrently for different keys: they must be thread safe.
 *
 * <pre>{@code
 * ConsumeInterceptor skipTests = (message, next) ->
 *         message.header("test").isPresent() ? Outcome.handled() : next.proceed(message);
 * }</pre>
 */
@FunctionalInterface
public interface ConsumeInterceptor {

    /** Handles one attempt at {@code message}, normally by calling {@code next.proceed}. */
    Outcome intercept(Message<byte[]> message, Chain next);

    /** The steps after an interceptor. */
    interface Chain {

        /** Runs the remaining steps on {@code message}; never throws, never returns {@code null}. */
        Outcome proceed(Message<byte[]> message);
    }
}
