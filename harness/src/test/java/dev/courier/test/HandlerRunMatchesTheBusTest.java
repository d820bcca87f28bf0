package dev.courier.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.courier.api.ConsumerOptions;
import dev.courier.api.DecodingException;
import dev.courier.api.Message;
import dev.courier.api.MessageHandler;
import dev.courier.api.OutgoingMessage;
import dev.courier.api.RetryPolicy;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link HandlerRun} restates core's retry and dead-letter rules; each test here runs the same
 * handler on a real {@code memory://} bus and checks that both agree, so the two cannot drift.
 */
class HandlerRunMatchesTheBusTest {

    private static final RetryPolicy THREE_ATTEMPTS = RetryPolicy.exponential(3, Duration.ofMillis(20), Duration.ofMillis(30));

    @RegisterExtension
    final CourierTest courier = CourierTest.create();

    /** Subscribes {@code handler} as group "billing" on "orders" and publishes "o-1" with a key and a header. */
    private void runOnTheBus(MessageHandler<String> handler, RetryPolicy retry) {
        TestBus bus = courier.bus();
        bus.subscribe("orders", "billing", String.class, handler, ConsumerOptions.defaults().withRetry(retry));
        bus.publish(OutgoingMessage.of("orders", "o-1").withKey("o-1").withHeader("tenant", "acme"));
    }

    private static Message<String> sameMessage() {
        return TestMessages.builder("o-1").topic("orders").key("o-1").header("tenant", "acme").build();
    }

    @Test
    void retry_delays_are_those_of_the_bus() {
        MessageHandler<String> failing = message -> {
            throw new IllegalStateException("no billing account");
        };
        runOnTheBus(failing, THREE_ATTEMPTS);
        courier.bus().awaitDeadLettered("orders", "billing", 1);
        List<Duration> onTheBus = courier.bus().recorded().stream().filter(Recorded.Retried.class::isInstance)
                .map(entry -> ((Recorded.Retried) entry).delay()).toList();

        List<Outcome> predicted = HandlerRun.of(failing).inGroup("billing").withRetry(THREE_ATTEMPTS).settle(sameMessage());

        assertEquals(onTheBus, predicted.stream().filter(Outcome.Retried.class::isInstance)
                .map(outcome -> ((Outcome.Retried) outcome).delay()).toList());
        assertEquals(3, predicted.get(predicted.size() - 1).attempt());
    }

    @Test
    void dead_letter_headers_are_those_of_the_bus() throws Exception {
        MessageHandler<String> failing = message -> {
            throw new IllegalStateException("no billing account");
        };
        runOnTheBus(failing, RetryPolicy.none());
        CompletableFuture<Message<String>> letter = new CompletableFuture<>();
        courier.bus().workQueue("orders.billing.dlq", String.class).work(letter::complete);
        Map<String, String> onTheBus = letter.get(10, TimeUnit.SECONDS).headers();

        Outcome.DeadLettered predicted = assertInstanceOf(Outcome.DeadLettered.class,
                HandlerRun.of(failing).inGroup("billing").withRetry(RetryPolicy.none()).attempt(sameMessage()));

        assertEquals(courierHeaders(onTheBus), courierHeaders(predicted.headers()));
        assertEquals("acme", onTheBus.get("tenant"));
        assertEquals("acme", predicted.headers().get("tenant"));
    }

    @Test
    void a_decoding_exception_is_dead_lettered_at_once_as_on_the_bus() {
        MessageHandler<String> undecodable = message -> {
            throw new DecodingException("not an order", null);
        };
        runOnTheBus(undecodable, THREE_ATTEMPTS);
        int onTheBus = courier.bus().awaitDeadLettered("orders", "billing", 1).get(0).attempts();

        Outcome predicted = HandlerRun.of(undecodable).withRetry(THREE_ATTEMPTS).attempt(sameMessage());

        assertEquals(1, onTheBus);
        assertEquals(1, assertInstanceOf(Outcome.DeadLettered.class, predicted).attempt());
    }

    @Test
    void an_error_is_retried_as_on_the_bus() {
        MessageHandler<String> erring = message -> {
            throw new AssertionError("unexpected order");
        };
        runOnTheBus(erring, THREE_ATTEMPTS);
        Recorded.Retried onTheBus = courier.bus().await(Recorded.Retried.class, retried -> true, 1, "retries").get(0);

        Outcome predicted = HandlerRun.of(erring).withRetry(THREE_ATTEMPTS).attempt(sameMessage());

        assertInstanceOf(AssertionError.class, onTheBus.cause());
        assertInstanceOf(Outcome.Retried.class, predicted);
    }

    private static Map<String, String> courierHeaders(Map<String, String> headers) {
        return headers.entrySet().stream().filter(header -> header.getKey().startsWith("courier-"))
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
    }
}
