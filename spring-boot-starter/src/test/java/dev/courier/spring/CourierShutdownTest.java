package dev.courier.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.courier.api.HealthStatus;
import dev.courier.api.MessageBus;
import jakarta.annotation.PreDestroy;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Closing the context drains running handlers before it destroys the beans they use. */
class CourierShutdownTest {

    /** Where the test records what happened, in order. */
    static final List<String> events = new CopyOnWriteArrayList<>();
    static final CountDownLatch handlerStarted = new CountDownLatch(1);

    /**
     * A bean the handler uses; it must still be alive when the handler finishes. It uses the bus
     * too, so Spring destroys it before the bus: closing the bus alone would drain too late.
     */
    static class Ledger {
        private final MessageBus bus;
        private volatile boolean destroyed;

        Ledger(MessageBus bus) {
            this.bus = bus;
        }

        void record(String entry) {
            if (destroyed) {
                throw new IllegalStateException("ledger used after it was destroyed");
            }
            events.add(entry);
            bus.publish("ledger.entries", entry);
        }

        @PreDestroy
        void destroy() {
            destroyed = true;
            events.add("ledger destroyed");
        }
    }

    static class SlowHandler {
        private final Ledger ledger;
        private final MessageBus bus;

        SlowHandler(Ledger ledger, MessageBus bus) {
            this.ledger = ledger;
            this.bus = bus;
        }

        @CourierListener(topic = "payments", group = "ledger")
        void on(String payment) {
            handlerStarted.countDown();
            // still running when its subscription starts closing
            await().atMost(Duration.ofSeconds(30)).until(this::subscriptionClosing);
            ledger.record("handled " + payment);
        }

        private boolean subscriptionClosing() {
            return bus.health().subscriptions().stream()
                    .anyMatch(s -> s.topic().equals("payments") && s.status() == HealthStatus.CLOSED);
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class App {
        @Bean
        Ledger ledger(MessageBus bus) {
            return new Ledger(bus);
        }

        @Bean
        SlowHandler slowHandler(Ledger ledger, MessageBus bus) {
            return new SlowHandler(ledger, bus);
        }
    }

    @Test
    void closingTheContextLetsRunningHandlersFinishBeforeDestroyingTheirBeans() throws Exception {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(CourierAutoConfiguration.class))
                .withUserConfiguration(App.class)
                .withPropertyValues("courier.url=memory://shutdown-test")
                .run(context -> {
                    context.getBean(MessageBus.class).publish("payments", "p-1").toCompletableFuture().join();
                    await().atMost(Duration.ofSeconds(20)).until(() -> handlerStarted.getCount() == 0);
                });
        // the runner closed the context on return

        assertThat(events).containsExactly("handled p-1", "ledger destroyed");
    }
}
