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
 * <p><b>Non-blocking retries</b> ({@link #withRescheduling}): after its in-process attempts a
 * failing message is not dead-lettered but sent again through the broker's delayed delivery, due
 * after a backoff of its own (minutes or hours, say), and the failed delivery is acknowledged: a
 * long outage holds nothing in memory and blocks no key. When it comes due it gets
 * {@code maxAttempts} in-process attempts again; after {@link Rescheduling#times()} such rounds it
 * is dead-lettered, its {@link DeadLetterHeaders#ATTEMPTS attempt count} counting every round
 * ({@link Message#attempt()} counts across rounds too). A rescheduled message of a topic reaches
 * only the group that failed it. <em>Per-key order</em>: a rescheduled message leaves its key's
 * lane, so later messages of its key are handled before it; use in-process retries only (the
 * default) where a key's order matters more than not holding messages. Needs a transport with
 * delayed delivery (all of Courier's); {@code subscribe} refuses it on others.
 *
 * @param maxAttempts    attempts in all, the first included; 1 means no retry (with
 *                       {@link #rescheduling()}: the in-process attempts of each round)
 * @param initialBackoff the delay before the second attempt
 * @param maxBackoff     the longest delay between two attempts
 * @param multiplier     growth of the delay per attempt, at least 1
 * @param jitter         the largest random fraction taken off a delay, from 0 (none) to 1
 * @param deadLetterOn   failures (with their subclasses) never retried: dead-lettered at once
 * @param retryOn        failures (with their subclasses) retried while attempts remain, even
 *                       when a superclass is in {@code deadLetterOn}; no class is in both sets
 * @param rescheduling   how often, and after what delays, a message whose in-process attempts
 *                       failed is sent again through delayed delivery; {@link Rescheduling#NONE} by default
 */
public record RetryPolicy(int maxAttempts, Duration initialBackoff, Duration maxBackoff, double multiplier,
                          double jitter, Set<Class<? extends Throwable>> deadLetterOn,
                          Set<Class<? extends Throwable>> retryOn, Rescheduling rescheduling) {

    /**
     * The non-blocking part of a retry policy: after the in-process attempts of a delivery fail,
     * the message is sent again due after a delay, at most {@code times} times. The delay before
     * round {@code r} (r ≥ 1) is {@code initialDelay × multiplier^(r-1)}, capped at
     * {@code maxDelay}, with the policy's multiplier and jitter.
     *
     * @param times        how many times a message is rescheduled before it is dead-lettered; 0 for never
     * @param initialDelay the delay of the first rescheduling
     * @param maxDelay     the longest delay of a rescheduling
     */
    public record Rescheduling(int times, Duration initialDelay, Duration maxDelay) {

        /** Never rescheduled: every retry is in-process. */
        public static final Rescheduling NONE = new Rescheduling(0, Duration.ZERO, Duration.ZERO);

        public Rescheduling {
            if (times < 0) {
                throw new IllegalArgumentException("times must not be negative: " + times);
            }
            Objects.requireNonNull(initialDelay, "initialDelay");
            Objects.requireNonNull(maxDelay, "maxDelay");
            if (initialDelay.isNegative() || maxDelay.compareTo(initialDelay) < 0) {
                throw new IllegalArgumentException("need 0 <= initialDelay <= maxDelay: " + initialDelay + ", " + maxDelay);
            }
            if (times > 0 && initialDelay.isZero()) {
                throw new IllegalArgumentException("a rescheduling needs a positive initial delay");
            }
        }
    }

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
        Objects.requireNonNull(rescheduling, "rescheduling");
        if ((long) maxAttempts * (rescheduling.times() + 1L) > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("too many attempts in all: " + maxAttempts + " x "
                    + (rescheduling.times() + 1L));
        }
    }

    /** A policy retrying in-process only. */
    public RetryPolicy(int maxAttempts, Duration initialBackoff, Duration maxBackoff, double multiplier, double jitter,
                       Set<Class<? extends Throwable>> deadLetterOn, Set<Class<? extends Throwable>> retryOn) {
        this(maxAttempts, initialBackoff, maxBackoff, multiplier, jitter, deadLetterOn, retryOn, Rescheduling.NONE);
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
        return new RetryPolicy(attempts, initialBackoff, maxBackoff, multiplier, jitter, deadLetterOn, retryOn, rescheduling);
    }

    /** This policy with other bounds for the backoff. */
    public RetryPolicy withBackoff(Duration initial, Duration max) {
        return new RetryPolicy(maxAttempts, initial, max, multiplier, jitter, deadLetterOn, retryOn, rescheduling);
    }

    /** This policy with another growth factor. */
    public RetryPolicy withMultiplier(double factor) {
        return new RetryPolicy(maxAttempts, initialBackoff, maxBackoff, factor, jitter, deadLetterOn, retryOn, rescheduling);
    }

    /** This policy with another jitter fraction. */
    public RetryPolicy withJitter(double fraction) {
        return new RetryPolicy(maxAttempts, initialBackoff, maxBackoff, multiplier, fraction, deadLetterOn, retryOn, rescheduling);
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
        return new RetryPolicy(maxAttempts, initialBackoff, maxBackoff, multiplier, jitter, deadLetter, retry, rescheduling);
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
        return new RetryPolicy(maxAttempts, initialBackoff, maxBackoff, multiplier, jitter, deadLetter, retry, rescheduling);
    }

    /**
     * This policy with non-blocking retries: after its {@code maxAttempts} in-process attempts
     * fail, a message is sent again through delayed delivery, due after {@code initialDelay}
     * (growing by the multiplier each time, at most {@code maxDelay}), and the failed delivery is
     * acknowledged, at most {@code times} times; then it is dead-lettered. See the class comment
     * for what this does to per-key order.
     */
    public RetryPolicy withRescheduling(int times, Duration initialDelay, Duration maxDelay) {
        return new RetryPolicy(maxAttempts, initialBackoff, maxBackoff, multiplier, jitter, deadLetterOn, retryOn,
                new Rescheduling(times, initialDelay, maxDelay));
    }

    /** Attempts in all before a message is dead-lettered: {@code maxAttempts × (rescheduling times + 1)}. */
    public int totalAttempts() {
        return maxAttempts * (rescheduling.times() + 1);
    }

    /**
     * Whether a message whose attempt {@code attempt} (counted across reschedulings) failed is
     * rescheduled rather than retried in-process: it was the last in-process attempt of its round
     * and rounds remain.
     */
    public boolean reschedulesAfter(int attempt) {
        return rescheduling.times() > 0 && attempt % maxAttempts == 0 && attempt < totalAttempts();
    }

    /** The delay of rescheduling round {@code round} (1 or more), jitter applied. */
    public Duration rescheduleDelay(int round) {
        return backoff(rescheduling.initialDelay(), rescheduling.maxDelay(), Math.max(0, round - 1));
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

    /** Whether a message that failed on {@code attempt} gets another one, in-process or rescheduled. */
    public boolean allowsRetryAfter(int attempt) {
        return attempt < totalAttempts();
    }

    /**
     * The in-process delay before {@code attempt} (2 or more), jitter applied; with rescheduling,
     * {@code attempt} counts across rounds and the backoff starts again in each round.
     */
    public Duration delayBefore(int attempt) {
        int inRound = (attempt - 1) % maxAttempts + 1;
        if (attempt < 2 || inRound < 2) {
            return Duration.ZERO;
        }
        return backoff(initialBackoff, maxBackoff, inRound - 2);
    }

    private Duration backoff(Duration initial, Duration max, int growths) {
        double base = initial.toNanos() * Math.pow(multiplier, growths);
        double capped = Math.min(base, max.toNanos());
        double jittered = capped * (1.0 - jitter * ThreadLocalRandom.current().nextDouble());
        return Duration.ofNanos((long) jittered);
    }
}
