package dev.courier.internal;

import static dev.courier.internal.Eventually.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.courier.api.BusListener;
import dev.courier.api.BusOptions;
import dev.courier.api.ConsumerOptions;
import dev.courier.api.Health;
import dev.courier.api.HealthStatus;
import dev.courier.api.Message;
import dev.courier.api.MessageBus;
import dev.courier.api.OutgoingMessage;
import dev.courier.api.RetryPolicy;
import dev.courier.api.Route;
import dev.courier.api.Subscription;
import dev.courier.internal.memory.MemoryBrokerControl;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Issue 13, defect 2: a dead letter the broker refuses is retried with backoff, reported, and stalls no other key. */
@Timeout(60)
class DeadLetterRefusedTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final String REASON = "message too large once dead-letter headers are added";

    private final String broker = "dlq-refused-" + UUID.randomUUID();
    private final List<Throwable> deadLetterFailures = new CopyOnWriteArrayList<>();
    private final MessageBus bus = MessageBus.connect("memory://" + broker, BusOptions.defaults().withListener(new BusListener() {
        @Override
        public void deadLetterFailed(Route route, Message<byte[]> message, Throwable failure) {
            deadLetterFailures.add(failure);
        }
    }));
    private final AtomicInteger poisonCalls = new AtomicInteger();
    private final List<String> handled = new CopyOnWriteArrayList<>();
    private final List<Message<byte[]>> deadLetters = new CopyOnWriteArrayList<>();
    private Subscription subscription;

    @AfterEach
    void close() {
        bus.close();
    }

    private void subscribeRefusingDeadLetters() {
        subscription = bus.subscribe("orders", "billing", String.class, message -> {
            if (message.payload().equals("poison")) {
                poisonCalls.incrementAndGet();
                throw new IllegalStateException("cannot bill");
            }
            handled.add(message.payload());
        }, ConsumerOptions.concurrency(2).withRetry(RetryPolicy.none()));
        MemoryBrokerControl.refuseSends(broker, subscription.deadLetterQueue(), REASON);
        bus.workQueue(subscription.deadLetterQueue(), byte[].class).work(deadLetters::add);
    }

    private Health.SubscriptionHealth health() {
        return bus.health().subscriptions().stream().filter(s -> "billing".equals(s.group())).findFirst().orElseThrow();
    }

    @Test
    void a_refused_dead_letter_is_tried_again_and_reported_to_the_listener_with_the_reason() {
        subscribeRefusingDeadLetters();

        bus.publish("orders", "poison");

        await(() -> deadLetterFailures.size() >= 2, WAIT, "a second try of the refused dead letter");
        assertTrue(deadLetterFailures.get(0).getMessage().contains(REASON), deadLetterFailures.get(0).getMessage());
        assertEquals(1, poisonCalls.get(), "the handler is not run again, only the dead letter is sent again");
        assertEquals(1, subscription.inFlight());
    }

    @Test
    void health_is_degraded_with_the_reason_while_a_dead_letter_is_refused_and_up_once_it_goes_through() {
        subscribeRefusingDeadLetters();

        bus.publish("orders", "poison");

        await(() -> health().status() == HealthStatus.DEGRADED, WAIT, "the subscription to report DEGRADED");
        assertTrue(health().detail().startsWith("1 message(s) could not be dead-lettered: "), health().detail());
        assertTrue(health().detail().contains(REASON), health().detail());
        assertTrue(!bus.health().isUp());

        MemoryBrokerControl.acceptSends(broker, subscription.deadLetterQueue());

        await(() -> deadLetters.size() == 1, WAIT, "the dead letter once the queue accepts it");
        await(() -> health().status() == HealthStatus.UP && subscription.inFlight() == 0, WAIT, "health UP again");
        assertEquals(1, poisonCalls.get());
    }

    @Test
    void other_messages_go_on_while_a_dead_letter_is_refused() {
        subscribeRefusingDeadLetters();

        bus.publish(OutgoingMessage.of("orders", "poison").withKey("stuck"));
        await(() -> !deadLetterFailures.isEmpty(), WAIT, "the dead letter to be refused");
        for (int i = 0; i < 50; i++) {
            bus.publish(OutgoingMessage.of("orders", "m" + i).withKey("key-" + (i % 5)));
            bus.publish("orders", "unkeyed" + i);
        }

        await(() -> handled.size() == 100, WAIT, "every other message handled");
        assertEquals(HealthStatus.DEGRADED, health().status());
    }

    @Test
    void each_refused_try_is_one_warn_line_with_the_reason_and_no_stack_trace() {
        try (CapturedLogs logs = new CapturedLogs(RealSubscription.class, Level.INFO)) {
            subscribeRefusingDeadLetters();

            bus.publish("orders", "poison");

            await(() -> !logs.at(Level.WARN).isEmpty(), WAIT, "the WARN line");
            ILoggingEvent line = logs.at(Level.WARN).get(0);
            assertTrue(line.getFormattedMessage().contains("Could not dead-letter message"), line.getFormattedMessage());
            assertTrue(line.getFormattedMessage().contains(REASON), line.getFormattedMessage());
            assertTrue(line.getFormattedMessage().contains("trying again in 1000 ms"), line.getFormattedMessage());
            assertTrue(!line.getFormattedMessage().contains("\n"), line.getFormattedMessage());
            assertNull(line.getThrowableProxy(), "no stack trace at WARN");
        }
    }

    @Test
    void tries_back_off_from_one_second_doubling_to_five_minutes() {
        assertEquals(Duration.ofSeconds(1), RealSubscription.settleRetryDelay(1));
        assertEquals(Duration.ofSeconds(2), RealSubscription.settleRetryDelay(2));
        assertEquals(Duration.ofSeconds(256), RealSubscription.settleRetryDelay(9));
        assertEquals(Duration.ofMinutes(5), RealSubscription.settleRetryDelay(10));
        assertEquals(Duration.ofMinutes(5), RealSubscription.settleRetryDelay(1000));
    }
}
