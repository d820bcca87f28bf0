package dev.courier.internal;

import static dev.courier.internal.Eventually.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.courier.api.ConsumerOptions;
import dev.courier.api.DeadLetterHeaders;
import dev.courier.api.Message;
import dev.courier.api.MessageBus;
import dev.courier.api.OutgoingMessage;
import dev.courier.api.RetryPolicy;
import dev.courier.api.Subscription;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Issue 13, defect 1: an Error escaping a handler is a failed attempt like any exception. */
@Timeout(30)
class HandlerErrorTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final RetryPolicy THREE_QUICK = RetryPolicy.exponential(3, Duration.ofMillis(10), Duration.ofMillis(10));

    private final String broker = "errors-" + UUID.randomUUID();
    private final MessageBus bus = MessageBus.connect("memory://" + broker);
    private final List<Message<byte[]>> deadLetters = new CopyOnWriteArrayList<>();

    @AfterEach
    void close() {
        bus.close();
    }

    private void readDeadLetters(Subscription subscription) {
        bus.workQueue(subscription.deadLetterQueue(), byte[].class).work(deadLetters::add);
    }

    @Test
    void an_error_thrown_by_a_handler_is_retried_per_policy_then_dead_lettered_naming_the_error() {
        AtomicInteger calls = new AtomicInteger();
        Subscription subscription = bus.subscribe("orders", "billing", String.class, message -> {
            calls.incrementAndGet();
            throw new AssertionError("invariant broken");
        }, ConsumerOptions.defaults().withRetry(THREE_QUICK));
        readDeadLetters(subscription);

        bus.publish("orders", "o-1");

        await(() -> deadLetters.size() == 1, WAIT, "the dead letter");
        Map<String, String> headers = deadLetters.get(0).headers();
        assertEquals(AssertionError.class.getName(), headers.get(DeadLetterHeaders.ERROR_CLASS));
        assertEquals("invariant broken", headers.get(DeadLetterHeaders.ERROR_MESSAGE));
        assertEquals("3", headers.get(DeadLetterHeaders.ATTEMPTS));
        assertEquals(3, calls.get());
        await(() -> subscription.inFlight() == 0, WAIT, "the message to be acked");
    }

    @Test
    void a_key_whose_handler_threw_an_error_goes_on_with_its_next_message() {
        List<String> handled = new CopyOnWriteArrayList<>();
        Subscription subscription = bus.subscribe("orders", "billing", String.class, message -> {
            if (message.payload().equals("poison")) {
                throw new StackOverflowError();
            }
            handled.add(message.payload());
        }, ConsumerOptions.defaults().withRetry(THREE_QUICK));
        readDeadLetters(subscription);

        bus.publish(OutgoingMessage.of("orders", "poison").withKey("k"));
        bus.publish(OutgoingMessage.of("orders", "next").withKey("k"));

        await(() -> handled.contains("next"), WAIT, "the key's next message");
        await(() -> deadLetters.size() == 1, WAIT, "the dead letter"); // read from its queue by another subscription
        assertEquals(StackOverflowError.class.getName(), deadLetters.get(0).headers().get(DeadLetterHeaders.ERROR_CLASS));
    }

    @Test
    void an_error_thrown_by_user_middleware_is_dead_lettered() {
        Subscription subscription = bus.subscribe("orders", "billing", String.class, message -> { },
                ConsumerOptions.defaults().withRetry(RetryPolicy.none()).withMiddleware((message, next) -> {
                    throw new NoClassDefFoundError("com/example/Missing");
                }));
        readDeadLetters(subscription);

        bus.publish("orders", "o-1");

        await(() -> deadLetters.size() == 1, WAIT, "the dead letter");
        assertEquals(NoClassDefFoundError.class.getName(), deadLetters.get(0).headers().get(DeadLetterHeaders.ERROR_CLASS));
        await(() -> subscription.inFlight() == 0, WAIT, "the message to be acked");
    }
}
