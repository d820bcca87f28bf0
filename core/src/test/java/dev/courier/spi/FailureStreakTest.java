package dev.courier.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

class FailureStreakTest {

    @Test
    void each_failure_in_a_row_earns_the_next_backoff_wait() {
        FailureStreak<String> streak = new FailureStreak<>(new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(4)));

        assertEquals(Duration.ofSeconds(1), streak.failed("stream-a"));
        assertEquals(Duration.ofSeconds(2), streak.failed("stream-a"));
        assertEquals(Duration.ofSeconds(1), streak.failed("stream-b"));
        assertEquals(Map.of("stream-a", 2, "stream-b", 1), streak.current());
    }

    @Test
    void a_success_ends_the_streak() {
        FailureStreak<String> streak = new FailureStreak<>(Backoff.DEFAULT);
        streak.failed("stream-a");

        streak.succeeded("stream-a");

        assertTrue(streak.current().isEmpty());
        assertEquals(0, streak.failures("stream-a"));
    }

    @Test
    void a_streak_with_no_failure_within_twice_its_wait_ends_on_its_own() {
        FailureStreak<String> streak = new FailureStreak<>(new Backoff(Duration.ofMillis(5), Duration.ofMillis(5)));
        streak.failed("stream-a");
        long endsAfter = System.nanoTime() + Duration.ofMillis(10).toNanos();

        while (System.nanoTime() - endsAfter <= 0) {
            LockSupport.parkNanos(endsAfter - System.nanoTime() + 1); // the streak ends with time alone
        }

        assertTrue(streak.current().isEmpty());
        assertEquals(Duration.ofMillis(5), streak.failed("stream-a"), "a new streak starts at the first wait");
    }
}
