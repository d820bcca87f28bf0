package dev.courier.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.courier.api.MessageBus;
import dev.courier.api.PublishReceipt;
import dev.courier.testkit.Brokers;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Bean;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The starter on a real RabbitMQ: {@code COURIER_AMQP_URL}, or the local service at
 * {@code amqp://guest:guest@127.0.0.1:5672/}. Skipped when it is down, failed under CI.
 * The names are fixed, so runs reuse the same queues instead of leaving new ones behind.
 */
@Tag("broker")
@SpringBootTest
class CourierOnRabbitMqTest {

    static final String URL = System.getenv().getOrDefault("COURIER_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/");

    @BeforeAll
    static void requireBroker() {
        URI uri = URI.create(URL);
        Brokers.requireReachable("RabbitMQ", uri.getHost(), uri.getPort() < 0 ? 5672 : uri.getPort());
    }

    @DynamicPropertySource
    static void broker(DynamicPropertyRegistry registry) {
        registry.add("courier.url", () -> URL);
    }

    record Signup(String userId) {
    }

    static class Handlers {
        final List<String> signups = new CopyOnWriteArrayList<>();
        final List<String> jobs = new CopyOnWriteArrayList<>();

        @CourierListener(topic = "courier-spring-test.signup", group = "spring-test")
        void on(dev.courier.api.Message<Signup> message) {
            signups.add(message.id());
        }

        @CourierListener(queue = "courier-spring-test.jobs")
        void work(Signup job) {
            jobs.add(job.userId());
        }
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class App {
        @Bean
        Handlers handlers() {
            return new Handlers();
        }
    }

    @Autowired
    MessageBus bus;
    @Autowired
    Handlers handlers;

    @Test
    void theBusIsConnectedToTheBroker() {
        assertThat(bus.health().transport()).isEqualTo("amqp");
        assertThat(bus.health().isUp()).isTrue();
    }

    @Test
    void aListenerReceivesEventsThroughTheBroker() {
        PublishReceipt receipt = bus.publish("courier-spring-test.signup", new Signup("u-1")).toCompletableFuture().join();

        await().atMost(Duration.ofSeconds(30)).until(() -> handlers.signups.contains(receipt.id()));
    }

    @Test
    void aWorkQueueListenerWorksOnJobsThroughTheBroker() {
        String id = "job-" + System.nanoTime();
        bus.workQueue("courier-spring-test.jobs", Signup.class).submit(new Signup(id)).toCompletableFuture().join();

        await().atMost(Duration.ofSeconds(30)).until(() -> handlers.jobs.contains(id));
    }
}
