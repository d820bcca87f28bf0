package dev.courier.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.api.BatchOptions;
import dev.courier.api.ConsumerOptions;
import dev.courier.api.OutgoingMessage;
import dev.courier.api.RetryPolicy;
import dev.courier.api.WorkQueue;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class TestBusTest {

    record OrderPlaced(String orderId, long cents) {
    }

    record OrderCancelled(String orderId) {
    }

    @RegisterExtension
    final CourierTest courier = CourierTest.create();

    @Test
    void awaitPublished_returns_the_payloads_of_that_type_on_that_topic_in_order() {
        TestBus bus = courier.bus();
        bus.publish("orders", new OrderPlaced("o-1", 100));
        bus.publish("orders", new OrderCancelled("o-1"));
        bus.publish("refunds", new OrderPlaced("o-9", 1));
        bus.publish("orders", new OrderPlaced("o-2", 200));

        assertEquals(List.of(new OrderPlaced("o-1", 100), new OrderPlaced("o-2", 200)),
                bus.awaitPublished("orders", OrderPlaced.class, 2));
    }

    @Test
    void a_publish_is_recorded_with_its_key_and_headers() {
        TestBus bus = courier.bus();
        bus.publish(OutgoingMessage.of("orders", new OrderPlaced("o-1", 100)).withKey("o-1").withHeader("tenant", "acme"))
                .toCompletableFuture().join();

        Recorded.Published published = bus.published("orders").get(0);
        assertEquals("o-1", published.key());
        assertEquals(Map.of("tenant", "acme"), published.headers());
    }

    @Test
    void a_wait_that_times_out_says_what_was_recorded_instead() {
        TestBus bus = courier.bus().withTimeout(Duration.ofMillis(200));
        bus.publish("orders", new OrderCancelled("o-7")).toCompletableFuture().join();

        AssertionError failure = assertThrows(AssertionError.class, () -> bus.awaitPublished("orders", OrderPlaced.class, 1));

        assertTrue(failure.getMessage().startsWith("expected 1 OrderPlaced published on orders within 200 ms but found 0"),
                failure.getMessage());
        assertTrue(failure.getMessage().contains("OrderCancelled OrderCancelled[orderId=o-7]"), failure.getMessage());
    }

    @Test
    void jobs_submitted_to_a_work_queue_are_recorded_as_published_on_the_queue() {
        TestBus bus = courier.bus();
        bus.workQueue("invoices", OrderPlaced.class).submit(new OrderPlaced("o-1", 100), Map.of("tenant", "acme"));

        assertEquals(List.of(new OrderPlaced("o-1", 100)), bus.awaitPublished("invoices", OrderPlaced.class, 1));
    }

    @Test
    void a_work_queue_works_in_batches_and_each_job_is_recorded_as_handled() {
        TestBus bus = courier.bus();
        WorkQueue<OrderPlaced> invoices = bus.workQueue("invoices", OrderPlaced.class);
        List<OrderPlaced> worked = new CopyOnWriteArrayList<>();
        invoices.workBatch(BatchOptions.of(2, Duration.ofMillis(50)), batch -> worked.addAll(batch.payloads()));
        invoices.submit(new OrderPlaced("o-1", 100));
        invoices.submit(new OrderPlaced("o-2", 200));

        assertEquals(2, bus.awaitHandled("invoices", null, 2).size());
        assertEquals(Set.of(new OrderPlaced("o-1", 100), new OrderPlaced("o-2", 200)), Set.copyOf(worked));
    }

    @Test
    void awaitHandled_waits_for_the_group_named() {
        TestBus bus = courier.bus();
        bus.subscribe("orders", "billing", OrderPlaced.class, message -> { });
        bus.subscribe("orders", "shipping", OrderPlaced.class, message -> { });
        bus.publish("orders", new OrderPlaced("o-1", 100));

        List<Recorded.Handled> handled = bus.awaitHandled("orders", "shipping", 1);

        assertEquals("shipping", handled.get(0).group());
    }

    @Test
    void a_dead_letter_is_recorded_with_its_queue_attempts_and_cause() {
        TestBus bus = courier.bus();
        bus.subscribe("orders", "billing", OrderPlaced.class, message -> {
            throw new IllegalStateException("no billing account");
        }, ConsumerOptions.defaults().withRetry(RetryPolicy.exponential(2, Duration.ofMillis(1), Duration.ofMillis(1))));
        bus.publish("orders", new OrderPlaced("o-1", 100));

        Recorded.DeadLettered letter = bus.awaitDeadLettered("orders", "billing", 1).get(0);

        assertEquals("orders.billing.dlq", letter.queue());
        assertEquals(2, letter.attempts());
        assertEquals("no billing account", letter.cause().getMessage());
        assertEquals("{\"orderId\":\"o-1\",\"cents\":100}", letter.payloadText());
    }

    @Test
    void each_bus_has_a_memory_namespace_of_its_own() {
        try (TestBus other = TestBus.open()) {
            TestBus bus = courier.bus();
            bus.subscribe("orders", "billing", String.class, message -> { });
            other.subscribe("orders", "shipping", String.class, message -> { });
            other.publish("orders", "for the other bus");
            other.awaitHandled("orders", "shipping", 1);

            String id = bus.publish("orders", "for this bus").toCompletableFuture().join().id();
            bus.awaitHandled("orders", "billing", 1);

            assertEquals(List.of(id), bus.recorded().stream().filter(Recorded.Handled.class::isInstance)
                    .map(entry -> ((Recorded.Handled) entry).id()).toList());
        }
    }
}
