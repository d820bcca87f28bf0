package dev.courier.api;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;

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
 * @param interceptors    user interceptors and middleware, outermost first, run inside retry and
 *                        outside decoding (see {@link ConsumeInterceptor}); default none
 * @param lenientDecoding whether JSON of the wrong shape is accepted; default false (strict): see
 *                        {@link #withLenientDecoding()}
 * @param executor        where handlers run, or {@code null} (the default) for a pool of the
 *                        subscription's own: see {@link #withExecutor(Executor)}
 */
public record ConsumerOptions(int concurrency, int maxInFlight, RetryPolicy retry, Duration shutdownTimeout,
                              List<ConsumeInterceptor> interceptors, boolean lenientDecoding, Executor executor) {

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
        interceptors = List.copyOf(interceptors);
    }

    /** Options with middleware only and handlers on the subscription's own pool (the components before interceptors). */
    public ConsumerOptions(int concurrency, int maxInFlight, RetryPolicy retry, Duration shutdownTimeout,
                           List<Middleware> middleware, boolean lenientDecoding) {
        this(concurrency, maxInFlight, retry, shutdownTimeout,
                middleware.stream().<ConsumeInterceptor>map(MiddlewareInterceptor::new).toList(), lenientDecoding, null);
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
        return new ConsumerOptions(n, Math.max(16, 4 * n), RetryPolicy.defaults(), DEFAULT_SHUTDOWN, List.of(), false, null);
    }

    /** These options with {@code n} handlers at once; max in-flight grows if it must. */
    public ConsumerOptions withConcurrency(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("concurrency must be at least 1: " + n);
        }
        return new ConsumerOptions(n, Math.max(maxInFlight, n), retry, shutdownTimeout, interceptors, lenientDecoding, executor);
    }

    /** These options with another in-flight bound. */
    public ConsumerOptions withMaxInFlight(int n) {
        return new ConsumerOptions(concurrency, n, retry, shutdownTimeout, interceptors, lenientDecoding, executor);
    }

    /** These options with another retry policy. */
    public ConsumerOptions withRetry(RetryPolicy policy) {
        return new ConsumerOptions(concurrency, maxInFlight, policy, shutdownTimeout, interceptors, lenientDecoding, executor);
    }

    /** These options with another shutdown timeout. */
    public ConsumerOptions withShutdownTimeout(Duration timeout) {
        return new ConsumerOptions(concurrency, maxInFlight, retry, timeout, interceptors, lenientDecoding, executor);
    }

    /** These options with one more middleware, inside the interceptors and middleware added before. */
    public ConsumerOptions withMiddleware(Middleware added) {
        return withInterceptor(new MiddlewareInterceptor(Objects.requireNonNull(added, "middleware")));
    }

    /** These options with one more interceptor, inside the interceptors and middleware added before. */
    public ConsumerOptions withInterceptor(ConsumeInterceptor added) {
        Objects.requireNonNull(added, "interceptor");
        List<ConsumeInterceptor> all = new ArrayList<>(interceptors);
        all.add(added);
        return new ConsumerOptions(concurrency, maxInFlight, retry, shutdownTimeout, all, lenientDecoding, executor);
    }

    /** The middleware among {@link #interceptors()}, in the order added; unmodifiable. */
    public List<Middleware> middleware() {
        return interceptors.stream().filter(MiddlewareInterceptor.class::isInstance)
                .map(i -> ((MiddlewareInterceptor) i).middleware()).toList();
    }

    /**
     * These options with handlers run on {@code handlers}, for example
     * {@code Executors.newVirtualThreadPerTaskExecutor()} on Java 21. The subscription still runs
     * at most {@code concurrency} handlers at once and keeps each key's order; it hands the
     * executor one task per attempt and never shuts it down (closing the subscription waits for
     * its running handlers, and interrupts them after the shutdown timeout). The executor must
     * run each task eventually, on a thread of its own: not on the caller's (no direct executor,
     * no caller-runs policy), since tasks are handed over on the transport's delivery thread.
     */
    public ConsumerOptions withExecutor(Executor handlers) {
        return new ConsumerOptions(concurrency, maxInFlight, retry, shutdownTimeout, interceptors, lenientDecoding,
                Objects.requireNonNull(handlers, "executor"));
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
        return new ConsumerOptions(concurrency, maxInFlight, retry, shutdownTimeout, interceptors, true, executor);
    }
}
