package dev.courier.internal;

import static dev.courier.internal.Eventually.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.api.ConsumerOptions;
import dev.courier.api.MessageBus;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Issue 13, defect 17: a bus with many subscriptions closes in bounded time and keeps no idle threads. */
class ManySubscriptionsTest {

    private static final int SUBSCRIPTIONS = 500;

    private static long threadsNamed(String prefix) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith(prefix))
                .count();
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS) // one after another, it would take 500 shutdown timeouts
    void closing_a_bus_waits_for_the_handlers_of_all_its_subscriptions_together() throws Exception {
        MessageBus bus = MessageBus.connect("memory://close-" + UUID.randomUUID());
        CountDownLatch running = new CountDownLatch(SUBSCRIPTIONS);
        CountDownLatch never = new CountDownLatch(1);
        ConsumerOptions options = ConsumerOptions.defaults().withShutdownTimeout(Duration.ofSeconds(1));
        for (int i = 0; i < SUBSCRIPTIONS; i++) {
            bus.subscribe("slow-" + i, "g", String.class, message -> {
                running.countDown();
                never.await(); // until close interrupts it
            }, options);
            bus.publish("slow-" + i, "m");
        }
        assertTrue(running.await(30, TimeUnit.SECONDS), "every handler running");

        bus.close();
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void idle_subscriptions_give_their_handler_threads_back() throws Exception {
        String prefix = "idle" + UUID.randomUUID().toString().substring(0, 8);
        try (MessageBus bus = MessageBus.connect("memory://" + prefix)) {
            CountDownLatch handled = new CountDownLatch(SUBSCRIPTIONS * 4);
            for (int i = 0; i < SUBSCRIPTIONS; i++) {
                bus.subscribe(prefix + "-" + i, "g", String.class, message -> handled.countDown(),
                        ConsumerOptions.concurrency(4));
                for (int m = 0; m < 4; m++) {
                    bus.publish(prefix + "-" + i, "m" + m);
                }
            }
            assertTrue(handled.await(30, TimeUnit.SECONDS), "every message handled");

            await(() -> threadsNamed("courier-" + prefix) == 0, Duration.ofSeconds(40),
                    "idle handler threads to end (" + threadsNamed("courier-" + prefix) + " alive)");
        }
    }
}
