package dev.courier.api;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * How a subscription or a work queue's workers run. Immutable; start from {@link #defaults()} or
 * {@link #concurrency(int)} and derive with the {@code with...} methods.
 *
 * <pre>{@code
 * ConsumerOptions.concurrency(8).withRetry(RetryPolicy.exponential(3, Duration.ofSeconds(1), Duration.ofSeconds(10)))
 * }</pre>
 *
 * @param concurrency     handlers running at once (never two for the same key); default 1
 * @param maxInFlight     messages received and not yet settled, queued or running; at least
 *                        {@code concurrency}; default {@code max(16, 4 × concurrency)}
 * @param retry           what happens when a handler fails; default {@link RetryPolicy#defaults()}
 * @param shutdownTimeout how long {@link Subscription#close()} waits for running handlers; default 30 s
 * @param middleware      user middleware, outermost first, run inside retry; default none
 * @param lenientDecoding whether JSON of the wrong shape is accepted; default false (strict): see
 *                        {@link #withLenientDecoding()}
 */
public record ConsumerOptions(int concurrency, int maxInFlight, RetryPolicy retry, Duration shutdownTimeout,
                              List<Middleware> middleware, boolean lenientDecoding) {

    private static final Duration DEFAULT_SHUTDOWN = Duration.ofSeconds(30);

    public ConsumerOptions {
        if (concurrency < 1) {
            throw new IllegalArgumentException("concurrency must be at least 1: " + concurrency);
        }
        if (maxInFlight < concurrency) {
            throw new IllegalArgumentException("maxInFlight (" + maxInFlight + ") must be at least concurrency (" + concurrency + ")");
        }
        Objects.requireNonNull(retry, "retry");
        Objects.requireNonNull(shutdownTimeout, "shutdownTimeout");
        if (shutdownTimeout.isNegative()) {
            throw new IllegalArgumentException("shutdownTimeout must not be negative: " + shutdownTimeout);
        }
        middleware = List.copyOf(middleware);
    }

    /** One handler at a time, 16 in flight, default retries. */
    public static ConsumerOptions defaults() {
        return concurrency(1);
    }

    /** {@code n} handlers at once, {@code max(16, 4n)} in flight, default retries. */
    public static ConsumerOptions concurrency(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("concurrency must be at least 1: " + n);
        }
        return new ConsumerOptions(n, Math.max(16, 4 * n), RetryPolicy.defaults(), DEFAULT_SHUTDOWN, List.of(), false);
    }

    /** These options with {@code n} handlers at once; max in-flight grows if it must. */
    public ConsumerOptions withConcurrency(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("concurrency must be at least 1: " + n);
        }
        return new ConsumerOptions(n, Math.max(maxInFlight, n), retry, shutdownTimeout, middleware, lenientDecoding);
    }

    /** These options with another in-flight bound. */
    public ConsumerOptions withMaxInFlight(int n) {
        return new ConsumerOptions(concurrency, n, retry, shutdownTimeout, middleware, lenientDecoding);
    }

    /** These options with another retry policy. */
    public ConsumerOptions withRetry(RetryPolicy policy) {
        return new ConsumerOptions(concurrency, maxInFlight, policy, shutdownTimeout, middleware, lenientDecoding);
    }

    /** These options with another shutdown timeout. */
    public ConsumerOptions withShutdownTimeout(Duration timeout) {
        return new ConsumerOptions(concurrency, maxInFlight, retry, timeout, middleware, lenientDecoding);
    }

    /** These options with one more middleware, inside those added before. */
    public ConsumerOptions withMiddleware(Middleware added) {
        Objects.requireNonNull(added, "middleware");
        List<Middleware> all = new ArrayList<>(middleware);
        all.add(added);
        return new ConsumerOptions(concurrency, maxInFlight, retry, shutdownTimeout, all, lenientDecoding);
    }

    /**
     * These options with lenient JSON decoding. By default decoding is strict: a JSON object that
     * lacks a component of the target record (an explicit {@code null} is present, not lacking),
     * or that sets none of the properties of another class, is a {@link DecodingException} and is
     * dead-lettered without retry, since a message of the wrong shape would otherwise arrive with
     * {@code null} fields and be acked. Unknown fields are ignored either way, so producers can
     * add fields. Lenient decoding leaves absent components {@code null} (or 0/false) instead.
     */
    public ConsumerOptions withLenientDecoding() {
        return new ConsumerOptions(concurrency, maxInFlight, retry, shutdownTimeout, middleware, true);
    }
}
