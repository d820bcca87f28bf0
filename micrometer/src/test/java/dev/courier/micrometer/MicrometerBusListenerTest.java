package dev.courier.micrometer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.api.BusOptions;
import dev.courier.api.ConsumerOptions;
import dev.courier.api.Message;
import dev.courier.api.MessageBus;
import dev.courier.api.RetryPolicy;
import dev.courier.api.Route;
import dev.courier.api.Subscription;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class MicrometerBusListenerTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @Test
    void publishes_handling_retries_and_dead_letters_are_counted_by_topic_group_and_outcome() throws Exception {
        CountDownLatch deadLettered = new CountDownLatch(1);
        try (MessageBus bus = MessageBus.connect("memory://micrometer",
                BusOptions.defaults().withListener(new MicrometerBusListener(registry)))) {
            Subscription subscription = bus.subscribe("orders", "billing", String.class, m -> {
                if (m.payload().equals("bad")) {
                    throw new IllegalStateException("bad order");
                }
            }, ConsumerOptions.defaults().withRetry(RetryPolicy.exponential(2, Duration.ofMillis(10), Duration.ofMillis(10))));
            bus.workQueue(subscription.deadLetterQueue(), String.class).work(m -> deadLettered.countDown());

            bus.publish("orders", "good").toCompletableFuture().join();
            bus.publish("orders", "good").toCompletableFuture().join();
            bus.publish("orders", "bad").toCompletableFuture().join();
            assertTrue(deadLettered.await(10, TimeUnit.SECONDS));
        }

        assertEquals(3.0, registry.get("courier.messages.published").tags("topic", "orders", "outcome", "success").counter().count());
        assertEquals(3, registry.get("courier.publish.latency").tags("transport", "memory", "topic", "orders").timer().count());
        assertEquals(3.0, registry.get("courier.messages.delivered").tags("topic", "orders", "group", "billing").counter().count());
        assertEquals(2, registry.get("courier.handler.duration").tags("group", "billing", "outcome", "success").timer().count());
        assertEquals(2, registry.get("courier.handler.duration").tags("group", "billing", "outcome", "failure").timer().count());
        assertEquals(1.0, registry.get("courier.messages.retried").tags("group", "billing").counter().count());
        assertEquals(1.0, registry.get("courier.messages.dead.lettered").tags("group", "billing").counter().count());
        assertEquals(0.0, registry.get("courier.messages.in.flight").tags("group", "billing").gauge().value());
    }

    @Test
    void a_failed_publish_is_counted_as_a_failure() {
        try (MessageBus bus = MessageBus.connect("memory://micrometer-fail",
                BusOptions.defaults().withListener(new MicrometerBusListener(registry)))) {
            bus.publish("orders", new Object()).toCompletableFuture().exceptionally(e -> null).join();
        }
        assertEquals(1.0, registry.get("courier.messages.published").tags("outcome", "failure").counter().count());
    }

    @Test
    void a_refused_dead_letter_is_counted_for_its_route() {
        MicrometerBusListener listener = new MicrometerBusListener(registry);
        Route route = new Route("kafka", "orders", "billing");
        Message<byte[]> message = new Message<>("m1", "orders", null, Map.of(), new byte[0], "application/json",
                Instant.EPOCH, 1);

        listener.deadLetterFailed(route, message, new IllegalStateException("dead-letter queue refused"));
        listener.deadLetterFailed(route, message, new IllegalStateException("dead-letter queue refused"));

        assertEquals(2.0, registry.get("courier.dead.letters.refused").tags("transport", "kafka", "topic", "orders",
                "group", "billing").counter().count());
    }

    @Test
    void a_dropped_reply_is_counted_by_transport() {
        MicrometerBusListener listener = new MicrometerBusListener(registry);

        listener.replyDropped(new Route("nats", "tmp.0123456789abcdef.1", null), "c-1");

        assertEquals(1.0, registry.get("courier.replies.dropped").tags("transport", "nats").counter().count());
    }

    @Test
    void a_partitions_backlog_is_a_lag_gauge_removed_when_the_partition_goes() {
        MicrometerBusListener listener = new MicrometerBusListener(registry);
        Route route = new Route("kafka", "orders", "billing");

        listener.backlogChanged(route, 2, 40);
        listener.backlogChanged(route, 2, 15);
        assertEquals(15.0, registry.get("courier.consumer.lag").tags("transport", "kafka", "topic", "orders",
                "group", "billing", "partition", "2").gauge().value());

        listener.backlogChanged(route, 2, -1);
        assertNull(registry.find("courier.consumer.lag").gauge());
    }
}
