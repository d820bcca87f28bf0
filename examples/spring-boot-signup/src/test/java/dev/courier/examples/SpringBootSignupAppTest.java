package dev.courier.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.courier.api.MessageBus;
import dev.courier.api.PublishReceipt;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.health.actuate.endpoint.CompositeHealthDescriptor;
import org.springframework.boot.health.actuate.endpoint.HealthEndpoint;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.SpringBootTest;

/**
 * The Spring Boot user-signup service on memory:// (a broker of its own: contexts sharing one would
 * compete for the groups' messages), with the plain example's handler classes.
 */
@SpringBootTest(properties = {"signup.count=5", "courier.url=memory://signup-app-test"})
class SpringBootSignupAppTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    @Autowired
    UserService users;
    @Autowired
    EmailService email;
    @Autowired
    AnalyticsService analytics;
    @Autowired
    SignupAudit audit;
    @Autowired
    SignupRunner runner;
    @Autowired
    MessageBus bus;
    @Autowired
    HealthEndpoint health;

    @Test
    void theStartupRunHandledEverySignupInEveryService() {
        assertThat(runner.getExitCode()).isZero();
        assertThat(email.handled()).hasSizeGreaterThanOrEqualTo(5);
        assertThat(analytics.handled()).hasSizeGreaterThanOrEqualTo(5);
        assertThat(audit.handled()).hasSizeGreaterThanOrEqualTo(5);
    }

    @Test
    void aSignupReachesThePlainExamplesServicesAndTheAnnotatedAudit() {
        PublishReceipt receipt = users.signUp("ada@example.com").toCompletableFuture().join();

        await().atMost(WAIT).until(() -> email.handled().contains(receipt.id())
                && analytics.handled().contains(receipt.id()) && audit.handled().contains(receipt.id()));
    }

    @Test
    void theReadinessProbeIncludesTheBus() {
        var readiness = (CompositeHealthDescriptor) health.healthForPath("readiness");

        assertThat(readiness.getStatus()).isEqualTo(Status.UP);
        assertThat(readiness.getComponents()).containsKey("courier");
    }

    @Test
    void theAppRunsToCompletionAndExitsWithZero() {
        assertThat(SpringBootSignupApp.run("--signup.count=3", "--courier.url=memory://signup-exit-test")).isZero();
    }
}
