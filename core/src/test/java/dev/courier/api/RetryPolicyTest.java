package dev.courier.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Set;
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

    @Test
    void decoding_failures_are_dead_lettered_at_once_by_default_and_everything_else_is_retried() {
        RetryPolicy policy = RetryPolicy.defaults();
        assertFalse(policy.retries(new DecodingException("bad json", null)));
        assertFalse(policy.retries(new UnroutedTypeException("no route")));
        assertTrue(policy.retries(new IllegalStateException()));
        assertTrue(policy.retries(new StackOverflowError()), "errors count as attempts too");
        assertEquals(Set.of(DecodingException.class), policy.deadLetterOn());
        assertEquals(Set.of(), policy.retryOn());
    }

    @Test
    void a_dead_letter_on_class_covers_its_subclasses() {
        RetryPolicy policy = RetryPolicy.defaults().withDeadLetterOn(IllegalArgumentException.class);
        assertFalse(policy.retries(new IllegalArgumentException()));
        assertFalse(policy.retries(new NumberFormatException()));
        assertTrue(policy.retries(new IllegalStateException()));
        assertFalse(policy.retries(new DecodingException("still", null)), "the defaults stay");
    }

    @Test
    void the_most_specific_listed_class_decides() {
        RetryPolicy retryOneKind = RetryPolicy.defaults().withDeadLetterOn(IllegalArgumentException.class)
                .withRetryOn(NumberFormatException.class);
        assertTrue(retryOneKind.retries(new NumberFormatException()));
        assertFalse(retryOneKind.retries(new IllegalArgumentException()));

        RetryPolicy deadLetterOneKind = RetryPolicy.defaults().withRetryOn(RuntimeException.class)
                .withDeadLetterOn(IllegalStateException.class);
        assertFalse(deadLetterOneKind.retries(new IllegalStateException()));
        assertTrue(deadLetterOneKind.retries(new IllegalArgumentException()));
    }

    @Test
    void a_retry_on_class_retries_decoding_failures_while_attempts_remain() {
        RetryPolicy policy = RetryPolicy.defaults().withRetryOn(DecodingException.class);
        assertTrue(policy.allowsRetryAfter(1, new DecodingException("flaky schema registry", null)));
        assertFalse(policy.allowsRetryAfter(5, new DecodingException("flaky schema registry", null)));
        assertFalse(policy.deadLetterOn().contains(DecodingException.class), "a class is in one list only");
    }

    @Test
    void the_five_argument_constructor_keeps_the_default_classification() {
        RetryPolicy policy = new RetryPolicy(3, Duration.ofMillis(10), Duration.ofMillis(10), 1.0, 0.0);
        assertEquals(RetryPolicy.defaults().deadLetterOn(), policy.deadLetterOn());
        assertFalse(policy.allowsRetryAfter(1, new DecodingException("bad", null)));
        assertTrue(policy.allowsRetryAfter(1, new IllegalStateException()));
    }

    @Test
    void other_settings_keep_the_classification() {
        RetryPolicy policy = RetryPolicy.defaults().withDeadLetterOn(IllegalArgumentException.class).withMaxAttempts(2);
        assertFalse(policy.retries(new IllegalArgumentException()));
    }

    @Test
    void a_class_in_both_lists_is_rejected_naming_it() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new RetryPolicy(3,
                Duration.ZERO, Duration.ZERO, 1.0, 0.0, Set.of(IllegalStateException.class), Set.of(IllegalStateException.class)));
        assertTrue(e.getMessage().contains(IllegalStateException.class.getName()), e.getMessage());
    }

    @Test
    void a_rescheduling_policy_retries_in_process_within_a_round_and_reschedules_at_its_end() {
        RetryPolicy policy = RetryPolicy.exponential(3, Duration.ofMillis(100), Duration.ofMillis(100))
                .withRescheduling(2, Duration.ofMinutes(1), Duration.ofMinutes(10));
        assertEquals(9, policy.totalAttempts());
        assertFalse(policy.reschedulesAfter(1));
        assertTrue(policy.reschedulesAfter(3));
        assertTrue(policy.reschedulesAfter(6));
        assertFalse(policy.reschedulesAfter(9), "the last attempt is dead-lettered");
        assertTrue(policy.allowsRetryAfter(8));
        assertFalse(policy.allowsRetryAfter(9));
        assertEquals(Duration.ofMillis(100), policy.delayBefore(5), "the in-process backoff starts again each round");
        assertEquals(Duration.ofMinutes(1), policy.rescheduleDelay(1));
        assertEquals(Duration.ofMinutes(2), policy.rescheduleDelay(2));
    }

    @Test
    void rescheduling_delays_grow_by_the_multiplier_up_to_their_maximum() {
        RetryPolicy policy = RetryPolicy.exponential(1, Duration.ZERO, Duration.ZERO)
                .withRescheduling(10, Duration.ofMinutes(1), Duration.ofMinutes(5));
        assertEquals(Duration.ofMinutes(4), policy.rescheduleDelay(3));
        assertEquals(Duration.ofMinutes(5), policy.rescheduleDelay(9));
    }

    @Test
    void a_policy_without_rescheduling_behaves_as_before() {
        RetryPolicy policy = RetryPolicy.defaults();
        assertEquals(RetryPolicy.Rescheduling.NONE, policy.rescheduling());
        assertEquals(policy.maxAttempts(), policy.totalAttempts());
        assertFalse(policy.reschedulesAfter(policy.maxAttempts()));
    }

    @Test
    void a_rescheduling_needs_a_positive_initial_delay() {
        assertThrows(IllegalArgumentException.class,
                () -> RetryPolicy.defaults().withRescheduling(1, Duration.ZERO, Duration.ofMinutes(1)));
        assertThrows(IllegalArgumentException.class,
                () -> RetryPolicy.defaults().withRescheduling(-1, Duration.ofMinutes(1), Duration.ofMinutes(1)));
    }
}
