package dev.courier.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.courier.api.ConsumerOptions;
import dev.courier.api.MessageBus;
import dev.courier.api.OutgoingMessage;
import dev.courier.api.RetryPolicy;
import dev.courier.internal.memory.MemoryBrokerControl;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What the retry step does when a rescheduling is not possible, on the memory transport. */
@Timeout(30)
class NonBlockingRetryTest {

    private final String broker = "reschedule-" + UUID.randomUUID();

    @Test
    void a_rescheduling_the_broker_refuses_keeps_the_message_and_retries_it_in_process() throws Exception {
        try (MessageBus bus = MessageBus.connect("memory://" + broker)) {
            List<Integer> attempts = new CopyOnWriteArrayList<>();
            BlockingQueue<String> handled = new LinkedBlockingQueue<>();
            RetryPolicy policy = RetryPolicy.exponential(1, Duration.ZERO, Duration.ZERO)
                    .withRescheduling(3, Duration.ofMillis(200), Duration.ofMillis(200));
            bus.subscribe("payments", "billing", String.class, message -> {
                attempts.add(message.attempt());
                if (message.attempt() == 1) {
                    MemoryBrokerControl.refuseSends(broker, "payments", "full");
                    throw new IllegalStateException("down");
                }
                handled.add(message.payload());
            }, ConsumerOptions.defaults().withRetry(policy));

            bus.publish(OutgoingMessage.of("payments", "charge")).toCompletableFuture().get(10, TimeUnit.SECONDS);

            assertEquals("charge", handled.poll(20, TimeUnit.SECONDS));
            assertEquals(List.of(1, 2), attempts, "the second attempt ran in-process, on the same delivery");
        } finally {
            MemoryBrokerControl.acceptSends(broker, "payments");
        }
    }

    @Test
    void a_rescheduled_message_keeps_its_id_and_counts_its_attempts_across_the_hop() throws Exception {
        try (MessageBus bus = MessageBus.connect("memory://" + broker)) {
            BlockingQueue<String> seen = new LinkedBlockingQueue<>();
            RetryPolicy policy = RetryPolicy.exponential(2, Duration.ofMillis(10), Duration.ofMillis(10))
                    .withRescheduling(1, Duration.ofMillis(100), Duration.ofMillis(100));
            bus.workQueue("mails", String.class).work(message -> {
                seen.add(message.id() + "#" + message.attempt() + message.headers().keySet());
                if (message.attempt() < 3) {
                    throw new IllegalStateException("smtp down");
                }
            }, ConsumerOptions.defaults().withRetry(policy));

            String id = bus.workQueue("mails", String.class).submit("welcome").toCompletableFuture()
                    .get(10, TimeUnit.SECONDS).id();

            assertEquals(id + "#1[]", seen.poll(10, TimeUnit.SECONDS));
            assertEquals(id + "#2[]", seen.poll(10, TimeUnit.SECONDS));
            assertEquals(id + "#3[]", seen.poll(10, TimeUnit.SECONDS), "after the hop: no reserved header in sight");
        }
    }
}
