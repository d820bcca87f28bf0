package dev.courier.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.courier.api.DeadLetterHeaders;
import dev.courier.api.DecodingException;
import dev.courier.api.Message;
import dev.courier.api.MessageHandler;
import dev.courier.api.RetryPolicy;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class HandlerRunTest {

    private static final RetryPolicy THREE_ATTEMPTS = RetryPolicy.exponential(3, Duration.ofSeconds(1), Duration.ofSeconds(10));

    private static final MessageHandler<String> FAILING = message -> {
        throw new IllegalStateException("no billing account for " + message.payload());
    };

    @Test
    void a_handler_that_returns_acks_the_message() {
        Outcome outcome = HandlerRun.<String>of(message -> { }).attempt(TestMessages.of("orders", "o-1"));

        assertEquals(new Outcome.Acked(1), outcome);
    }

    @Test
    void a_failure_with_attempts_left_is_retried_after_the_policys_delay_for_the_next_attempt() {
        HandlerRun<String> run = HandlerRun.of(FAILING).withRetry(THREE_ATTEMPTS);

        Outcome.Retried retried = assertInstanceOf(Outcome.Retried.class,
                run.attempt(TestMessages.builder("o-1").attempt(2).build()));

        assertEquals(Duration.ofSeconds(2), retried.delay());
        assertEquals("no billing account for o-1", retried.cause().getMessage());
    }

    @Test
    void the_last_failure_is_dead_lettered_with_the_original_and_dead_letter_headers() {
        HandlerRun<String> run = HandlerRun.of(FAILING).inGroup("billing").withRetry(THREE_ATTEMPTS);
        Message<String> third = TestMessages.builder("o-1").topic("orders").header("tenant", "acme").attempt(3).build();

        Outcome.DeadLettered letter = assertInstanceOf(Outcome.DeadLettered.class, run.attempt(third));

        assertEquals("orders.billing.dlq", letter.queue());
        assertEquals(Map.of("tenant", "acme",
                DeadLetterHeaders.ERROR_CLASS, IllegalStateException.class.getName(),
                DeadLetterHeaders.ERROR_MESSAGE, "no billing account for o-1",
                DeadLetterHeaders.ATTEMPTS, "3",
                DeadLetterHeaders.ORIGINAL_TOPIC, "orders",
                DeadLetterHeaders.GROUP, "billing"), letter.headers());
    }

    @Test
    void a_work_queue_worker_dead_letters_to_the_queues_dlq_without_a_group_header() {
        Outcome.DeadLettered letter = assertInstanceOf(Outcome.DeadLettered.class,
                HandlerRun.of(FAILING).withRetry(RetryPolicy.none()).attempt(TestMessages.of("thumbnails", "img-1")));

        assertEquals("thumbnails.dlq", letter.queue());
        assertEquals(null, letter.headers().get(DeadLetterHeaders.GROUP));
    }

    @Test
    void a_decoding_exception_is_dead_lettered_at_once() {
        HandlerRun<String> run = HandlerRun.<String>of(message -> {
            throw new DecodingException("not an order", null);
        }).withRetry(THREE_ATTEMPTS);

        assertInstanceOf(Outcome.DeadLettered.class, run.attempt(TestMessages.of("o-1")));
    }

    @Test
    void an_error_is_a_failed_attempt_like_an_exception() {
        HandlerRun<String> run = HandlerRun.<String>of(message -> {
            throw new AssertionError("unexpected order");
        }).withRetry(THREE_ATTEMPTS);

        assertInstanceOf(Outcome.Retried.class, run.attempt(TestMessages.of("o-1")));
    }

    @Test
    void settle_runs_the_attempts_until_the_handler_succeeds() {
        AtomicInteger calls = new AtomicInteger();
        HandlerRun<String> run = HandlerRun.<String>of(message -> {
            if (calls.incrementAndGet() < 3) {
                throw new IllegalStateException("not yet");
            }
        }).withRetry(THREE_ATTEMPTS);

        List<Outcome> outcomes = run.settle(TestMessages.of("o-1"));

        assertEquals(List.of(1, 2, 3), outcomes.stream().map(Outcome::attempt).toList());
        assertEquals(new Outcome.Acked(3), outcomes.get(2));
    }

    @Test
    void settle_ends_with_the_dead_letter_when_attempts_run_out() {
        List<Outcome> outcomes = HandlerRun.of(FAILING).withRetry(THREE_ATTEMPTS).settle(TestMessages.of("o-1"));

        assertEquals(List.of(Duration.ofSeconds(1), Duration.ofSeconds(2)),
                outcomes.subList(0, 2).stream().map(o -> ((Outcome.Retried) o).delay()).toList());
        assertInstanceOf(Outcome.DeadLettered.class, outcomes.get(2));
    }
}
