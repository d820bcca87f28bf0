package dev.courier.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.api.ConsumerOptions;
import dev.courier.api.Message;
import dev.courier.api.MessageBus;
import dev.courier.api.OutgoingMessage;
import dev.courier.api.WorkQueue;
import dev.courier.internal.memory.MemoryBrokerControl;
import dev.courier.spi.Destination;
import dev.courier.spi.NameRule;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Core keeps to what a transport's {@link dev.courier.spi.Capabilities} state, shown on the memory
 * transport playing a stricter broker.
 */
@Timeout(30)
class CapabilitiesEnforcementTest {

    private final String broker = "caps-" + UUID.randomUUID();

    @Test
    void a_publish_with_more_headers_than_the_broker_carries_fails_before_any_io() {
        try (MessageBus bus = MessageBus.connect("memory://" + broker + "?maxHeaders=2")) {
            long declared = MemoryBrokerControl.declarations(broker);

            IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> bus.publish(
                    new OutgoingMessage("orders", "o-1", null, Map.of("a", "1", "b", "2", "c", "3"), null)));

            assertTrue(refused.getMessage().contains("at most 2"), refused.getMessage());
            assertEquals(declared, MemoryBrokerControl.declarations(broker), "nothing declared");
        }
    }

    @Test
    void a_publish_whose_headers_exceed_the_brokers_header_bytes_fails_before_any_io() {
        try (MessageBus bus = MessageBus.connect("memory://" + broker + "?maxHeaderBytes=16")) {
            long declared = MemoryBrokerControl.declarations(broker);

            IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> bus.publish(
                    new OutgoingMessage("orders", "o-1", null, Map.of("region", "eu-west-1-long"), null)));

            assertTrue(refused.getMessage().contains("at most 16"), refused.getMessage());
            assertEquals(declared, MemoryBrokerControl.declarations(broker), "nothing declared");
        }
    }

    @Test
    void headers_within_the_limits_travel() throws Exception {
        try (MessageBus bus = MessageBus.connect("memory://" + broker + "?maxHeaders=2&maxHeaderBytes=64")) {
            BlockingQueue<Message<String>> received = new ArrayBlockingQueue<>(1);
            bus.subscribe("orders", "audit", String.class, received::add);

            bus.publish(new OutgoingMessage("orders", "o-1", null, Map.of("region", "eu"), null))
                    .toCompletableFuture().get(10, TimeUnit.SECONDS);

            assertEquals("eu", received.poll(10, TimeUnit.SECONDS).headers().get("region"));
        }
    }

    @Test
    void names_the_broker_cannot_hold_are_mapped_and_handlers_see_the_courier_names() throws Exception {
        // like a queue service whose names are [A-Za-z0-9_-]{1,80}: no '.'
        try (MessageBus bus = MessageBus.connect("memory://" + broker + "?maxNameLength=80&nameCharacters=_-")) {
            BlockingQueue<Message<String>> received = new ArrayBlockingQueue<>(2);
            bus.subscribe("orders.created", "billing.eu", String.class, received::add);
            WorkQueue<String> jobs = bus.workQueue("thumbnails.small", String.class);
            jobs.work(received::add);

            bus.publish("orders.created", "o-1").toCompletableFuture().get(10, TimeUnit.SECONDS);
            jobs.submit("img-1").toCompletableFuture().get(10, TimeUnit.SECONDS);

            Message<String> first = received.poll(10, TimeUnit.SECONDS);
            Message<String> second = received.poll(10, TimeUnit.SECONDS);
            Map<String, String> topics = Map.of(first.payload(), first.topic(), second.payload(), second.topic());
            assertEquals(Map.of("o-1", "orders.created", "img-1", "thumbnails.small"), topics);
            assertEquals("thumbnails.small", jobs.name());
            NameRule rule = new NameRule(80, "_-");
            assertTrue(MemoryBrokerControl.exists(broker, Destination.topic(rule.map("orders.created"))));
            assertFalse(MemoryBrokerControl.exists(broker, Destination.topic("orders.created")));
        }
    }

    @Test
    void core_keeps_a_delivery_alive_past_the_brokers_ack_deadline_while_its_handler_runs() throws Exception {
        // long enough that a loaded machine's scheduling delay stays well under the two thirds of
        // a deadline between a renewal and the deadline it renews (200 ms failed at load 20)
        long deadlineMillis = 600;
        try (MessageBus bus = MessageBus.connect("memory://" + broker + "?ackDeadlineMs=" + deadlineMillis)) {
            WorkQueue<String> jobs = bus.workQueue("slow", String.class);
            AtomicInteger deliveries = new AtomicInteger();
            CountDownLatch again = new CountDownLatch(1);
            CountDownLatch done = new CountDownLatch(1);
            boolean[] redeliveredWhileRunning = new boolean[1];
            jobs.work(message -> {
                if (deliveries.incrementAndGet() > 1) {
                    again.countDown();
                    return;
                }
                // hold the message for three deadlines, or until the broker hands it out again
                redeliveredWhileRunning[0] = again.await(3 * deadlineMillis, TimeUnit.MILLISECONDS);
                done.countDown();
            }, ConsumerOptions.concurrency(2));

            jobs.submit("job").toCompletableFuture().get(10, TimeUnit.SECONDS);

            assertTrue(done.await(10, TimeUnit.SECONDS));
            assertFalse(redeliveredWhileRunning[0], "the broker redelivered a message whose handler was running");
            assertEquals(1, deliveries.get());
        }
    }

    @Test
    void a_delayed_publish_on_a_transport_without_delayed_delivery_fails_before_any_io() {
        try (MessageBus bus = MessageBus.connect("memory://" + broker + "?delayedDelivery=false")) {
            long declared = MemoryBrokerControl.declarations(broker);

            UnsupportedOperationException refused = assertThrows(UnsupportedOperationException.class, () -> bus.publish(
                    OutgoingMessage.of("reminders", "r-1").withDelay(java.time.Duration.ofMinutes(5))));

            assertTrue(refused.getMessage().contains("no delayed delivery"), refused.getMessage());
            assertEquals(declared, MemoryBrokerControl.declarations(broker), "nothing declared");
            assertThrows(UnsupportedOperationException.class, () -> bus.workQueue("jobs", String.class)
                    .submit("j", java.time.Instant.now().plusSeconds(60)));
        }
    }

    @Test
    void a_due_time_further_ahead_than_the_transport_reaches_fails_before_any_io() {
        try (MessageBus bus = MessageBus.connect("memory://" + broker)) {
            long declared = MemoryBrokerControl.declarations(broker);

            IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> bus.publish(
                    OutgoingMessage.of("reminders", "r-1").withDelay(java.time.Duration.ofDays(20_000))));

            assertTrue(refused.getMessage().contains("further ahead"), refused.getMessage());
            assertEquals(declared, MemoryBrokerControl.declarations(broker), "nothing declared");
        }
    }

    @Test
    void a_retry_policy_that_reschedules_is_refused_on_a_transport_without_delayed_delivery() {
        try (MessageBus bus = MessageBus.connect("memory://" + broker + "?delayedDelivery=false")) {
            ConsumerOptions options = ConsumerOptions.defaults().withRetry(dev.courier.api.RetryPolicy.defaults()
                    .withRescheduling(3, java.time.Duration.ofMinutes(1), java.time.Duration.ofHours(1)));

            UnsupportedOperationException refused = assertThrows(UnsupportedOperationException.class,
                    () -> bus.subscribe("payments", "billing", String.class, m -> { }, options));

            assertTrue(refused.getMessage().contains("no delayed delivery"), refused.getMessage());
        }
    }
}
