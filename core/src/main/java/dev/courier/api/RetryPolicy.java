package dev.courier.api;

import java.time.Duration;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How often and how fast a failed handler is tried again before its message is dead-lettered.
 * Retries happen in-process while the delivery stays unacknowledged; meanwhile later messages
 * with the same key wait and other keys go on.
 *
 * <p>The delay before attempt {@code n} (n ≥ 2) is {@code initialBackoff × multiplier^(n-2)},
 * capped at {@code maxBackoff}, then shortened by a random fraction of at most {@code jitter} so
 * that many failing consumers do not retry in lockstep. Anything a handler, an interceptor or the
 * decoder throws is a failed attempt, {@link Error}s included.
 *
 * <p>Which failures are retried: the class of the thrown exception, then its superclasses, are
 * looked up in {@code retryOn} and {@code deadLetterOn}, and the first (most specific) listed
 * class decides; a failure of no listed class is retried. By default {@code deadLetterOn} holds
 * {@link DecodingException} (so also {@link UnroutedTypeException}): a payload that cannot be
 * decoded fails the same way every time and goes straight to the dead-letter queue.
 *
 * <pre>{@code
 * RetryPolicy.defaults()
 *         .withDeadLetterOn(IllegalArgumentException.class)    // a bad request stays bad
 *         .withRetryOn(NumberFormatException.class)            // except this one, retried anyway
 * }</pre>
 *
 * @param maxAttempts    attempts in all, the first included; 1 means no retry
 * @param initialBackoff the delay before the second attempt
 * @param maxBackoff     the longest delay between two attempts
 * @param multiplier     growth of the delay per attempt, at least 1
 * @param jitter         the largest random fraction taken off a delay, from 0 (none) to 1
 * @param deadLetterOn   failures (with their subclasses) never retried: dead-lettered at once
 * @param retryOn        failures (with their subclasses) retried while attempts remain, even
 *                       when a superclass is in {@code deadLetterOn}; no class is in both sets
 */
public record RetryPolicy(int maxAttempts, Duration initialBackoff, Duration maxBackoff, double multiplier,
                          double jitter, Set<Class<? extends Throwable>> deadLetterOn,
                          Set<Class<? extends Throwable>> retryOn) {

    private static final Set<Class<? extends Throwable>> DEFAULT_DEAD_LETTER_ON = Set.of(DecodingException.class);
    private static final RetryPolicy DEFAULTS =
            new RetryPolicy(5, Duration.ofMillis(100), Duration.ofSeconds(30), 2.0, 0.2);
    private static final RetryPolicy NONE = new RetryPolicy(1, Duration.ZERO, Duration.ZERO, 1.0, 0.0);

    public RetryPolicy {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1: " + maxAttempts);
        }
        Objects.requireNonNull(initialBackoff, "initialBackoff");
        Objects.requireNonNull(maxBackoff, "maxBackoff");
        if (initialBackoff.isNegative() || maxBackoff.compareTo(initialBackoff) < 0) {
            throw new IllegalArgumentException("need 0 <= initialBackoff <= maxBackoff: " + initialBackoff + ", " + maxBackoff);
        }
        if (!(multiplier >= 1.0) || Double.isInfinite(multiplier)) {
            throw new IllegalArgumentException("multiplier must be at least 1: " + multiplier);
        }
        if (!(jitter >= 0.0 && jitter <= 1.0)) {
            throw new IllegalArgumentException("jitter must be between 0 and 1: " + jitter);
        }
        deadLetterOn = Set.copyOf(deadLetterOn);
        retryOn = Set.copyOf(retryOn);
        for (Class<? extends Throwable> type : retryOn) {
            if (deadLetterOn.contains(type)) {
                throw new IllegalArgumentException(type.getName() + " is in both deadLetterOn and retryOn");
            }
        }
    }

    /** A policy that dead-letters {@link DecodingException}s at once and retries everything else. */
    public RetryPolicy(int maxAttempts, Duration initialBackoff, Duration maxBackoff, double multiplier, double jitter) {
        this(maxAttempts, initialBackoff, maxBackoff, multiplier, jitter, DEFAULT_DEAD_LETTER_ON, Set.of());
    }

    /** 5 attempts, backoff from 100 ms doubling up to 30 s, 20 % jitter. */
    public static RetryPolicy defaults() {
        return DEFAULTS;
    }

    /** One attempt: a failure is dead-lettered at once. */
    public static RetryPolicy none() {
        return NONE;
    }

    /** {@code maxAttempts} attempts with exponential backoff (doubling) from {@code initial} to {@code max}, no jitter. */
    public static RetryPolicy exponential(int maxAttempts, Duration initial, Duration max) {
        return new RetryPolicy(maxAttempts, initial, max, 2.0, 0.0);
    }

    /** This policy with another number of attempts. */
    public RetryPolicy withMaxAttempts(int attempts) {
        return new RetryPolicy(attempts, initialBackoff, maxBackoff, multiplier, jitter, deadLetterOn, retryOn);
    }

    /** This policy with other bounds for the backoff. */
    public RetryPolicy withBackoff(Duration initial, Duration max) {
        return new RetryPolicy(maxAttempts, initial, max, multiplier, jitter, deadLetterOn, retryOn);
    }

    /** This policy with another growth factor. */
    public RetryPolicy withMultiplier(double factor) {
        return new RetryPolicy(maxAttempts, initialBackoff, maxBackoff, factor, jitter, deadLetterOn, retryOn);
    }

    /** This policy with another jitter fraction. */
    public RetryPolicy withJitter(double fraction) {
        return new RetryPolicy(maxAttempts, initialBackoff, maxBackoff, multiplier, fraction, deadLetterOn, retryOn);
    }

    /**
     * This policy with {@code types} (and their subclasses) dead-lettered at once, never retried,
     * unless a more specific class is in {@link #retryOn()}.
     */
    @SafeVarargs
    public final RetryPolicy withDeadLetterOn(Class<? extends Throwable>... types) {
        Set<Class<? extends Throwable>> deadLetter = new HashSet<>(deadLetterOn);
        Set<Class<? extends Throwable>> retry = new HashSet<>(retryOn);
        for (Class<? extends Throwable> type : types) {
            deadLetter.add(Objects.requireNonNull(type, "type"));
            retry.remove(type);
        }
        return new RetryPolicy(maxAttempts, initialBackoff, maxBackoff, multiplier, jitter, deadLetter, retry);
    }

    /**
     * This policy with {@code types} (and their subclasses) retried while attempts remain, also
     * when a superclass is in {@link #deadLetterOn()} (say, one {@link DecodingException} that a
     * later attempt may get past), unless a more specific class is in {@code deadLetterOn}.
     */
    @SafeVarargs
    public final RetryPolicy withRetryOn(Class<? extends Throwable>... types) {
        Set<Class<? extends Throwable>> deadLetter = new HashSet<>(deadLetterOn);
        Set<Class<? extends Throwable>> retry = new HashSet<>(retryOn);
        for (Class<? extends Throwable> type : types) {
            retry.add(Objects.requireNonNull(type, "type"));
            deadLetter.remove(type);
        }
        return new RetryPolicy(maxAttempts, initialBackoff, maxBackoff, multiplier, jitter, deadLetter, retry);
    }

    /**
     * Whether {@code failure} is worth another attempt, attempts aside: the most specific of its
     * classes listed in {@link #retryOn()} or {@link #deadLetterOn()} decides; unlisted, it is.
     */
    public boolean retries(Throwable failure) {
        for (Class<?> type = failure.getClass(); type != null; type = type.getSuperclass()) {
            if (retryOn.contains(type)) {
                return true;
            }
            if (deadLetterOn.contains(type)) {
                return false;
            }
        }
        return true;
    }

    /** Whether a message whose attempt {@code attempt} failed with {@code failure} gets another one. */
    public boolean allowsRetryAfter(int attempt, Throwable failure) {
        return allowsRetryAfter(attempt) && retries(failure);
    }

    /** Whether a message that failed on {@code attempt} gets another one. */
    public boolean allowsRetryAfter(int attempt) {
        return attempt < maxAttempts;
    }

    /** The delay before {@code attempt} (2 or more), jitter applied. */
    public Duration delayBefore(int attempt) {
        if (attempt < 2) {
            return Duration.ZERO;
        }
        double base = initialBackoff.toNanos() * Math.pow(multiplier, attempt - 2.0);
        double capped = Math.min(base, maxBackoff.toNanos());
        double jittered = capped * (1.0 - jitter * ThreadLocalRandom.current().nextDouble());
        return Duration.ofNanos((long) jittered);
    }
}
