package dev.courier.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {

    @Test
    void the_default_makes_five_attempts_from_100_ms_to_30_s_with_jitter() {
        RetryPolicy policy = RetryPolicy.defaults();
        assertEquals(5, policy.maxAttempts());
        assertEquals(Duration.ofMillis(100), policy.initialBackoff());
        assertEquals(Duration.ofSeconds(30), policy.maxBackoff());
        assertTrue(policy.jitter() > 0);
    }

    @Test
    void delays_double_and_stop_at_the_maximum() {
        RetryPolicy policy = RetryPolicy.exponential(10, Duration.ofMillis(100), Duration.ofMillis(500));
        assertEquals(Duration.ofMillis(100), policy.delayBefore(2));
        assertEquals(Duration.ofMillis(200), policy.delayBefore(3));
        assertEquals(Duration.ofMillis(400), policy.delayBefore(4));
        assertEquals(Duration.ofMillis(500), policy.delayBefore(5));
        assertEquals(Duration.ofMillis(500), policy.delayBefore(9));
    }

    @Test
    void jitter_only_shortens_a_delay_by_at_most_its_fraction() {
        RetryPolicy policy = RetryPolicy.exponential(3, Duration.ofMillis(1000), Duration.ofMillis(1000)).withJitter(0.25);
        for (int i = 0; i < 1000; i++) {
            long millis = policy.delayBefore(2).toMillis();
            assertTrue(millis >= 750 && millis <= 1000, "delay " + millis);
        }
    }

    @Test
    void none_allows_no_retry() {
        assertFalse(RetryPolicy.none().allowsRetryAfter(1));
        assertTrue(RetryPolicy.defaults().allowsRetryAfter(4));
        assertFalse(RetryPolicy.defaults().allowsRetryAfter(5));
    }

    @Test
    void invalid_settings_are_rejected_naming_the_value() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> RetryPolicy.defaults().withMaxAttempts(0))
                .getMessage().contains("maxAttempts"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> RetryPolicy.defaults().withJitter(1.5))
                .getMessage().contains("jitter"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> RetryPolicy.defaults().withMultiplier(0.5))
                .getMessage().contains("multiplier"));
        assertThrows(IllegalArgumentException.class,
                () -> RetryPolicy.defaults().withBackoff(Duration.ofSeconds(2), Duration.ofSeconds(1)));
    }
}
