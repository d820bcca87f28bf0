package dev.courier.internal;

import static dev.courier.internal.Eventually.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.api.ConsumeInterceptor;
import dev.courier.api.ConsumerOptions;
import dev.courier.api.DeadLetterHeaders;
import dev.courier.api.DecodingException;
import dev.courier.api.Message;
import dev.courier.api.MessageBus;
import dev.courier.api.Middleware;
import dev.courier.api.OutgoingMessage;
import dev.courier.api.Outcome;
import dev.courier.api.RetryPolicy;
import dev.courier.api.Subscription;
import dev.courier.api.TraceContext;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The consume pipeline: Courier's steps and the user's in one documented order, talking in outcomes. */
@Timeout(30)
class ConsumePipelineTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final RetryPolicy THREE_QUICK = RetryPolicy.exponential(3, Duration.ofMillis(10), Duration.ofMillis(10));

    private final MessageBus bus = MessageBus.connect("memory://pipeline-" + UUID.randomUUID());
    private final List<String> trail = new CopyOnWriteArrayList<>();
    private final List<Message<byte[]>> deadLetters = new CopyOnWriteArrayList<>();

    @AfterEach
    void close() {
        bus.close();
    }

    private void readDeadLetters(Subscription subscription) {
        bus.workQueue(subscription.deadLetterQueue(), byte[].class).work(deadLetters::add);
    }

    private ConsumeInterceptor recording(String name) {
        return (message, next) -> {
            trail.add(name + " in");
            Outcome outcome = next.proceed(message);
            trail.add(name + " out " + outcome.getClass().getSimpleName());
            return outcome;
        };
    }

    @Test
    void courier_steps_come_first_then_user_steps_as_added_then_decoding_and_the_handler() {
        ConsumeInterceptor first = (m, next) -> next.proceed(m);
        ConsumeInterceptor second = (m, next) -> next.proceed(m);
        ConsumePipeline pipeline = ConsumePipeline.of(
                new DeadLetterStep(null, null, letter -> { }, () -> false, null, null),
                new RetryStep(RetryPolicy.none(), null, null), new ObserveStep(null, null, W3cTraceHook.INSTANCE),
                List.of(first, second), message -> { });

        List<ConsumeInterceptor> steps = pipeline.steps();
        assertEquals(6, steps.size());
        assertInstanceOf(DeadLetterStep.class, steps.get(0));
        assertInstanceOf(RetryStep.class, steps.get(1));
        assertInstanceOf(ObserveStep.class, steps.get(2));
        assertEquals(first, steps.get(3));
        assertEquals(second, steps.get(4));
        assertInstanceOf(ConsumePipeline.HandleStep.class, steps.get(5));
    }

    @Test
    void interceptors_and_middleware_run_in_the_order_added_around_the_handler() {
        Middleware middle = (message, next) -> {
            trail.add("middleware in");
            next.handle(message);
            trail.add("middleware out");
        };
        bus.subscribe("orders", "billing", String.class, message -> trail.add("handler"),
                ConsumerOptions.defaults().withInterceptor(recording("outer")).withMiddleware(middle)
                        .withInterceptor(recording("inner")));

        bus.publish("orders", "o-1");

        await(() -> trail.size() == 7, WAIT, "the trail");
        assertEquals(List.of("outer in", "middleware in", "inner in", "handler", "inner out Handled", "middleware out",
                "outer out Handled"), trail);
    }

    @Test
    void a_user_interceptor_sees_every_attempt_and_the_raw_bytes_inside_observation_and_retry() {
        List<Integer> attempts = new CopyOnWriteArrayList<>();
        List<Boolean> traced = new CopyOnWriteArrayList<>();
        List<byte[]> payloads = new CopyOnWriteArrayList<>();
        Subscription subscription = bus.subscribe("orders", "billing", Map.class, message -> {
            throw new IllegalStateException("cannot bill");
        }, ConsumerOptions.defaults().withRetry(THREE_QUICK).withInterceptor((message, next) -> {
            attempts.add(message.attempt());
            traced.add(TraceContext.current().isPresent());
            payloads.add(message.payload());
            return next.proceed(message);
        }));
        readDeadLetters(subscription);

        try (TraceContext.Scope scope = TraceContext.makeCurrent(TraceContext.newTrace())) {
            bus.publish("orders", Map.of("id", 1));
        }

        await(() -> deadLetters.size() == 1, WAIT, "the dead letter");
        assertEquals(List.of(1, 2, 3), attempts, "inside retry: every attempt");
        assertEquals(List.of(true, true, true), traced, "inside observe: the message's trace context is current");
        assertArrayEquals("{\"id\":1}".getBytes(StandardCharsets.UTF_8), payloads.get(0), "outside decoding: raw bytes");
    }

    @Test
    void the_outcome_a_user_interceptor_sees_is_retried_then_dead_lettered_by_the_steps_outside_it() {
        Subscription subscription = bus.subscribe("orders", "billing", String.class, message -> {
            throw new IllegalStateException("cannot bill");
        }, ConsumerOptions.defaults().withRetry(RetryPolicy.exponential(2, Duration.ofMillis(10), Duration.ofMillis(10)))
                .withInterceptor(recording("user")));
        readDeadLetters(subscription);

        bus.publish("orders", "o-1");

        await(() -> deadLetters.size() == 1, WAIT, "the dead letter");
        assertEquals(List.of("user in", "user out Failed", "user in", "user out Failed"), trail);
    }

    @Test
    void a_retry_an_interceptor_asks_for_ends_in_the_dead_letter_queue_after_the_last_attempt() {
        AtomicInteger attempts = new AtomicInteger();
        Subscription subscription = bus.subscribe("orders", "billing", String.class, message -> { },
                ConsumerOptions.defaults().withRetry(THREE_QUICK).withInterceptor((message, next) -> {
                    attempts.incrementAndGet();
                    return Outcome.retry(Duration.ofMillis(1), new IllegalStateException("not yet"));
                }));
        readDeadLetters(subscription);

        bus.publish("orders", "o-1");

        await(() -> deadLetters.size() == 1, WAIT, "the dead letter");
        assertEquals(3, attempts.get());
        assertEquals(IllegalStateException.class.getName(), deadLetters.get(0).headers().get(DeadLetterHeaders.ERROR_CLASS));
    }

    @Test
    void an_interceptor_may_settle_a_message_without_running_the_handler() {
        AtomicInteger handled = new AtomicInteger();
        Subscription subscription = bus.subscribe("orders", "billing", String.class, message -> handled.incrementAndGet(),
                ConsumerOptions.defaults().withInterceptor((message, next) ->
                        message.header("test").isPresent() ? Outcome.handled() : next.proceed(message)));

        bus.publish(OutgoingMessage.of("orders", "skipped").withHeader("test", "yes"));
        bus.publish("orders", "handled");

        await(() -> handled.get() == 1 && subscription.inFlight() == 0, WAIT, "one handled, both acked");
    }

    @Test
    void what_an_interceptor_throws_or_a_null_it_returns_is_a_failed_attempt() {
        Subscription throwing = bus.subscribe("orders", "throwing", String.class, message -> { },
                ConsumerOptions.defaults().withRetry(RetryPolicy.none()).withInterceptor((message, next) -> {
                    throw new IllegalStateException("interceptor broke");
                }));
        Subscription returningNull = bus.subscribe("orders", "null", String.class, message -> { },
                ConsumerOptions.defaults().withRetry(RetryPolicy.none()).withInterceptor((message, next) -> null));
        readDeadLetters(throwing);
        readDeadLetters(returningNull);

        bus.publish("orders", "o-1");

        await(() -> deadLetters.size() == 2, WAIT, "two dead letters");
        List<String> classes = deadLetters.stream().map(m -> m.headers().get(DeadLetterHeaders.ERROR_CLASS)).sorted().toList();
        assertEquals(List.of(IllegalStateException.class.getName(), NullPointerException.class.getName()), classes);
    }

    @Test
    void a_middleware_that_swallows_the_failure_gets_the_message_acked() {
        AtomicInteger calls = new AtomicInteger();
        Subscription subscription = bus.subscribe("orders", "billing", String.class, message -> {
            calls.incrementAndGet();
            throw new IllegalStateException("ignored");
        }, ConsumerOptions.defaults().withMiddleware((message, next) -> {
            try {
                next.handle(message);
            } catch (IllegalStateException ignored) {
                trail.add("swallowed");
            }
        }));
        readDeadLetters(subscription);

        bus.publish("orders", "o-1");

        await(() -> trail.size() == 1 && subscription.inFlight() == 0, WAIT, "the message acked");
        assertEquals(1, calls.get(), "not retried");
        assertTrue(deadLetters.isEmpty());
    }

    @Test
    void a_failure_the_policy_dead_letters_is_not_retried() {
        AtomicInteger calls = new AtomicInteger();
        Subscription subscription = bus.subscribe("orders", "billing", String.class, message -> {
            calls.incrementAndGet();
            throw new IllegalArgumentException("bad order");
        }, ConsumerOptions.defaults().withRetry(THREE_QUICK.withDeadLetterOn(IllegalArgumentException.class)));
        readDeadLetters(subscription);

        bus.publish("orders", "o-1");

        await(() -> deadLetters.size() == 1, WAIT, "the dead letter");
        assertEquals("1", deadLetters.get(0).headers().get(DeadLetterHeaders.ATTEMPTS));
        assertEquals(1, calls.get());
    }

    @Test
    void a_decoding_failure_the_policy_retries_is_retried() {
        Subscription subscription = bus.subscribe("orders", "billing", Map.class, message -> { },
                ConsumerOptions.defaults().withRetry(THREE_QUICK.withRetryOn(DecodingException.class)));
        readDeadLetters(subscription);

        bus.publish("orders", "not json");

        await(() -> deadLetters.size() == 1, WAIT, "the dead letter");
        assertEquals(DecodingException.class.getName(), deadLetters.get(0).headers().get(DeadLetterHeaders.ERROR_CLASS));
        assertEquals("3", deadLetters.get(0).headers().get(DeadLetterHeaders.ATTEMPTS));
    }
}
