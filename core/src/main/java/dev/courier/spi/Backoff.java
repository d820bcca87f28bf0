package dev.courier.spi;

import java.time.Duration;
import java.util.Objects;

/**
 * How long a transport waits before trying again something that keeps failing (forwarding a
 * delayed message, restarting a background loop): {@code first}, doubling with each failure, never
 * more than {@code max}. A retry at a fixed interval forever is what this replaces. Immutable and
 * thread safe.
 *
 * @param first the wait after the first failure, positive
 * @param max   the longest wait, at least {@code first}
 */
public record Backoff(Duration first, Duration max) {

    /** One second doubling to five minutes: the wait core uses for a dead letter the broker refuses. */
    public static final Backoff DEFAULT = new Backoff(Duration.ofSeconds(1), Duration.ofMinutes(5));

    public Backoff {
        Objects.requireNonNull(first, "first");
        Objects.requireNonNull(max, "max");
        if (first.isNegative() || first.isZero() || max.compareTo(first) < 0) {
            throw new IllegalArgumentException("a backoff needs 0 < first <= max: " + first + ", " + max);
        }
    }

    /** The wait after {@code failures} failures in a row (1 or more). */
    public Duration after(int failures) {
        int doublings = Math.max(0, Math.min(failures - 1, 40));
        long millis = first.toMillis();
        for (int i = 0; i < doublings && millis < max.toMillis(); i++) {
            millis *= 2;
        }
        return Duration.ofMillis(Math.min(millis, max.toMillis()));
    }
}
