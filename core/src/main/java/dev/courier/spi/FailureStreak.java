package dev.courier.spi;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Failures in a row per thing a transport keeps trying (a stream it forwards to, a partition it
 * reads), with the {@link Backoff} wait each failure earns, for logs and for the transport's
 * health. A streak ends when the thing succeeds, or when no failure followed within twice its last
 * wait (another process may have done the work meanwhile). Thread safe.
 *
 * @param <K> what is tried, with {@code equals} and a readable {@code toString}
 */
public final class FailureStreak<K> {

    private record Streak(int failures, long endsAfterNanos) {
    }

    private final Backoff backoff;
    private final Map<K, Streak> streaks = new ConcurrentHashMap<>();

    /** A tracker whose waits follow {@code backoff}. */
    public FailureStreak(Backoff backoff) {
        this.backoff = Objects.requireNonNull(backoff, "backoff");
    }

    /** Counts one more failure of {@code key} and returns how long to wait before trying it again. */
    public Duration failed(K key) {
        long now = System.nanoTime();
        Streak streak = streaks.compute(key, (k, old) -> {
            int failures = old == null || now - old.endsAfterNanos() > 0 ? 1 : old.failures() + 1;
            return new Streak(failures, now + 2 * backoff.after(failures).toNanos());
        });
        return backoff.after(streak.failures());
    }

    /** The failures in a row of {@code key} so far (0 when it has none). */
    public int failures(K key) {
        Streak streak = streaks.get(key);
        return streak == null || System.nanoTime() - streak.endsAfterNanos() > 0 ? 0 : streak.failures();
    }

    /** Ends the streak of {@code key}: it succeeded. */
    public void succeeded(K key) {
        streaks.remove(key);
    }

    /** Every current streak, by its key's text, or an empty map when nothing is failing. */
    public Map<String, Integer> current() {
        long now = System.nanoTime();
        streaks.entrySet().removeIf(entry -> now - entry.getValue().endsAfterNanos() > 0);
        Map<String, Integer> current = new TreeMap<>();
        streaks.forEach((key, streak) -> current.put(String.valueOf(key), streak.failures()));
        return current;
    }
}
