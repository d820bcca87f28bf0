package dev.courier.api;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How often and how fast a failed handler is tried again before its message is dead-lettered.
 * Retries happen in-process while the delivery stays unacknowledged; meanwhile later messages
 * with the same key wait and other keys go on.
 *
 * <p>The delay before attempt {@code n} (n ≥ 2) is {@code initialBackoff × multiplier^(n-2)},
 * capped at {@code maxBackoff}, then shortened by a random fraction of at most {@code jitter} so
 * that many failing consumers do not retry in lockstep. Anything a handler, a middleware or the
 * decoder throws is a failed attempt, {@link Error}s included. A {@link DecodingException} is never
 * retried.
 *
 * @param maxAttempts    attempts in all, the first included; 1 means no retry
 * @param initialBackoff the delay before the second attempt
 * @param maxBackoff     the longest delay between two attempts
 * @param multiplier     growth of the delay per attempt, at least 1
 * @param jitter         the largest random fraction taken off a delay, from 0 (none) to 1
 */
public record RetryPolicy(int maxAttempts, Duration initialBackoff, Duration maxBackoff, double multiplier,
                          double jitter) {

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
        return new RetryPolicy(attempts, initialBackoff, maxBackoff, multiplier, jitter);
    }

    /** This policy with other bounds for the backoff. */
    public RetryPolicy withBackoff(Duration initial, Duration max) {
        return new RetryPolicy(maxAttempts, initial, max, multiplier, jitter);
    }

    /** This policy with another growth factor. */
    public RetryPolicy withMultiplier(double factor) {
        return new RetryPolicy(maxAttempts, initialBackoff, maxBackoff, factor, jitter);
    }

    /** This policy with another jitter fraction. */
    public RetryPolicy withJitter(double fraction) {
        return new RetryPolicy(maxAttempts, initialBackoff, maxBackoff, multiplier, fraction);
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
