package dev.courier.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.courier.api.MessageBus;
import dev.courier.api.OutgoingMessage;
import dev.courier.api.PublishReceipt;
import dev.courier.spring.TestEvents.SignupHandlers;
import dev.courier.spring.TestEvents.Thumbnail;
import dev.courier.spring.TestEvents.UserCreated;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.health.actuate.endpoint.CompositeHealthDescriptor;
import org.springframework.boot.health.actuate.endpoint.HealthDescriptor;
import org.springframework.boot.health.actuate.endpoint.HealthEndpoint;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Bean;

/** The starter in a whole Spring Boot application (with Actuator) on memory://. */
@SpringBootTest(properties = {
        "courier.url=memory://spring-boot-test",
        "management.endpoint.health.group.readiness.include=readinessState,courier",
        "management.endpoint.health.show-details=always"})
class CourierSpringBootTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class App {

        @Bean
        SignupHandlers signupHandlers() {
            return new SignupHandlers();
        }
    }

    @Autowired
    MessageBus bus;
    @Autowired
    SignupHandlers handlers;
    @Autowired
    HealthEndpoint healthEndpoint;
    @Autowired
    MeterRegistry meters;

    @Test
    void aListenerTakingThePayloadReceivesPublishedEvents() {
        UserCreated event = new UserCreated("u-1", "ada@example.com");
        bus.publish("user.created", event).toCompletableFuture().join();

        await().atMost(WAIT).until(() -> handlers.payloads.contains(event));
    }

    @Test
    void aListenerTakingTheMessageReceivesItsMetadata() {
        PublishReceipt receipt = bus.publish(OutgoingMessage.of("user.created", new UserCreated("u-2", "bob@example.com"))
                .withKey("u-2")).toCompletableFuture().join();

        await().atMost(WAIT).until(() -> handlers.messages.stream().anyMatch(m -> m.id().equals(receipt.id())));
        assertThat(handlers.messages).filteredOn(m -> m.id().equals(receipt.id()))
                .first().satisfies(m -> assertThat(m.key()).isEqualTo("u-2"));
    }

    @Test
    void aWorkQueueListenerWorksOnSubmittedJobs() {
        Thumbnail job = new Thumbnail("img-1.png", 128);
        bus.workQueue("thumbnails", Thumbnail.class).submit(job).toCompletableFuture().join();

        await().atMost(WAIT).until(() -> handlers.jobs.contains(job));
    }

    @Test
    void theReadinessGroupIncludesTheBusHealth() {
        HealthDescriptor readiness = healthEndpoint.healthForPath("readiness");

        assertThat(readiness.getStatus()).isEqualTo(Status.UP);
        assertThat(((CompositeHealthDescriptor) readiness).getComponents()).containsKey("courier");
    }

    @Test
    void theBusRecordsMetersInTheApplicationsRegistry() {
        bus.publish("user.created", new UserCreated("u-3", "cy@example.com")).toCompletableFuture().join();

        await().atMost(WAIT).until(() -> meters.find("courier.messages.published").counters().stream()
                .mapToDouble(c -> c.count()).sum() > 0);
    }
}
