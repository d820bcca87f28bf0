package dev.courier.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import dev.courier.api.MessageBus;
import dev.courier.api.MessageTooLargeException;
import dev.courier.api.Subscription;
import dev.courier.micrometer.MicrometerBusListener;
import dev.courier.opentelemetry.OpenTelemetryTraceHook;
import dev.courier.spring.TestEvents.SignupHandlers;
import dev.courier.spring.TestEvents.UserCreated;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jackson2.autoconfigure.Jackson2AutoConfiguration;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** What the auto-configuration contributes, in small contexts on memory://. */
class CourierAutoConfigurationTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    /** Each test on a memory broker of its own, so no two contexts share a group. */
    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(CourierAutoConfiguration.class))
            .withPropertyValues("courier.url=memory://autoconfiguration-" + UUID.randomUUID());

    @Test
    void aBusOnMemoryIsTheDefault() {
        new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(CourierAutoConfiguration.class)).run(context -> assertThat(context.getBean(MessageBus.class).health().transport()).isEqualTo("memory"));
    }

    @Test
    void theBusConnectsToCourierUrl() {
        runner.withPropertyValues("courier.url=nosuch://host")
                .run(context -> assertThat(context).getFailure().rootCause().hasMessageContaining("nosuch"));
    }

    @Test
    void thePublishTimeoutPropertyReachesTheBusOptions() {
        runner.withPropertyValues("courier.publish-timeout=0s")
                .run(context -> assertThat(context).getFailure().rootCause().hasMessageContaining("publishTimeout must be positive"));
    }

    @Test
    void transportOptionsPropertiesReachTheTransport() {
        runner.withPropertyValues("courier.transport-options.maxMessageBytes=100")
                .run(context -> assertThat(context.getBean(MessageBus.class).publish("big", new byte[200]))
                        .failsWithin(WAIT).withThrowableThat().havingRootCause().isInstanceOf(MessageTooLargeException.class));
    }

    @Test
    void anApplicationBusBeanReplacesTheAutoConfiguredOne() {
        MessageBus own = MessageBus.connect("memory://");
        runner.withBean(MessageBus.class, () -> own)
                .run(context -> assertThat(context.getBean(MessageBus.class)).isSameAs(own));
    }

    @Test
    void theJsonCodecUsesTheApplicationsObjectMapper() {
        runner.withBean(ObjectMapper.class, () -> new ObjectMapper().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE))
                .run(context -> assertThat(publishedJson(context.getBean(MessageBus.class))).contains("\"user_id\""));
    }

    @Test
    @SuppressWarnings("removal") // Boot 4 deprecates its Jackson 2 support; applications still use it
    void theJsonCodecUsesTheMapperSpringBootJackson2Configures() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(Jackson2AutoConfiguration.class, CourierAutoConfiguration.class))
                .withPropertyValues("courier.url=memory://jackson2-" + UUID.randomUUID(),
                        "spring.jackson2.property-naming-strategy=SNAKE_CASE")
                .run(context -> assertThat(publishedJson(context.getBean(MessageBus.class))).contains("\"user_id\""));
    }

    @Test
    void theJsonCodecKeepsCouriersMapperWhenTheApplicationOptsOut() {
        runner.withBean(ObjectMapper.class, () -> new ObjectMapper().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE))
                .withPropertyValues("courier.use-application-object-mapper=false")
                .run(context -> assertThat(publishedJson(context.getBean(MessageBus.class))).contains("\"userId\""));
    }

    /** Publishes a UserCreated and returns its body as received by a String subscriber. */
    private static String publishedJson(MessageBus bus) {
        List<String> bodies = new CopyOnWriteArrayList<>();
        Subscription probe = bus.subscribe("json.check", "probe", String.class, m -> bodies.add(m.payload()));
        try {
            bus.publish("json.check", new UserCreated("u-1", "ada@example.com")).toCompletableFuture().join();
            await().atMost(WAIT).until(() -> !bodies.isEmpty());
        } finally {
            probe.close();
        }
        return bodies.get(0);
    }

    @Test
    void consumerPropertiesAreTheListenersDefaults() {
        runner.withPropertyValues("courier.consumer.max-attempts=2", "courier.consumer.initial-backoff=1ms",
                        "courier.consumer.max-backoff=1ms")
                .withBean(FailingHandler.class)
                .run(context -> {
                    FailingHandler handler = context.getBean(FailingHandler.class);
                    MessageBus bus = context.getBean(MessageBus.class);
                    bus.publish("orders", "o-1").toCompletableFuture().join();
                    List<String> deadLetters = new CopyOnWriteArrayList<>();
                    Subscription dlq = bus.workQueue("orders.billing.dlq", String.class).work(m -> deadLetters.add(m.payload()));
                    try {
                        await().atMost(WAIT).until(() -> deadLetters.contains("o-1"));
                    } finally {
                        dlq.close();
                    }
                    assertThat(handler.attempts).containsExactly(1, 2);
                });
    }

    static class FailingHandler {
        final List<Integer> attempts = new CopyOnWriteArrayList<>();

        @CourierListener(topic = "orders", group = "billing")
        void bill(dev.courier.api.Message<String> order) {
            attempts.add(order.attempt());
            throw new IllegalStateException("billing is down");
        }
    }

    @Test
    void aCourierSubscriberBeanRunsWithTheContextAndIsClosedWithIt() {
        List<String> received = new CopyOnWriteArrayList<>();
        List<String> closed = new CopyOnWriteArrayList<>();
        CourierSubscriber subscriber = bus -> {
            Subscription subscription = bus.subscribe("invoices", "printer", String.class, m -> received.add(m.payload()));
            return new ClosingRecorder(subscription, closed);
        };
        runner.withBean(CourierSubscriber.class, () -> subscriber)
                .run(context -> {
                    context.getBean(MessageBus.class).publish("invoices", "i-1").toCompletableFuture().join();
                    await().atMost(WAIT).until(() -> received.contains("i-1"));
                    assertThat(closed).isEmpty();
                });

        assertThat(closed).containsExactly("invoices");
    }

    /** A subscription that notes when it is closed. */
    private record ClosingRecorder(Subscription delegate, List<String> closed) implements Subscription {
        @Override
        public String topic() {
            return delegate.topic();
        }

        @Override
        public String group() {
            return delegate.group();
        }

        @Override
        public String deadLetterQueue() {
            return delegate.deadLetterQueue();
        }

        @Override
        public int inFlight() {
            return delegate.inFlight();
        }

        @Override
        public void close() {
            delegate.close();
            closed.add(delegate.topic());
        }
    }

    @Test
    void handlersRunOnTheExecutorBeanThePropertiesName() {
        ExecutorService pool = Executors.newFixedThreadPool(2, r -> new Thread(r, "app-handlers"));
        try {
            runner.withBean("appHandlers", Executor.class, () -> pool)
                    .withPropertyValues("courier.consumer.executor=appHandlers")
                    .withBean(SignupHandlers.class)
                    .run(context -> {
                        context.getBean(MessageBus.class).publish("user.created", new UserCreated("u-1", "a@example.com"))
                                .toCompletableFuture().join();
                        SignupHandlers handlers = context.getBean(SignupHandlers.class);
                        await().atMost(WAIT).until(() -> !handlers.threads.isEmpty());
                        assertThat(handlers.threads).containsOnly("app-handlers");
                    });
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aMeterRegistryBeanGetsTheMicrometerListener() {
        runner.withBean(MeterRegistry.class, SimpleMeterRegistry::new)
                .run(context -> {
                    assertThat(context).hasSingleBean(MicrometerBusListener.class);
                    context.getBean(MessageBus.class).publish("metered", "x").toCompletableFuture().join();
                    assertThat(context.getBean(MeterRegistry.class).find("courier.messages.published").counter()).isNotNull();
                });
    }

    @Test
    void withoutAMeterRegistryThereIsNoMicrometerListener() {
        runner.run(context -> assertThat(context).doesNotHaveBean(MicrometerBusListener.class));
    }

    @Test
    void withoutMicrometerOnTheClasspathTheBusStillStarts() {
        runner.withClassLoader(new FilteredClassLoader(MeterRegistry.class))
                .run(context -> assertThat(context).hasSingleBean(MessageBus.class).doesNotHaveBean(MicrometerBusListener.class));
    }

    @Test
    void anOpenTelemetryBeanGetsTheTraceHook() {
        runner.withBean(OpenTelemetry.class, OpenTelemetry::noop)
                .run(context -> assertThat(context).hasSingleBean(OpenTelemetryTraceHook.class));
    }

    @Test
    void withoutOpenTelemetryThereIsNoTraceHook() {
        runner.run(context -> assertThat(context).doesNotHaveBean(OpenTelemetryTraceHook.class));
    }

    @Test
    void theHealthIndicatorReportsTheBus() {
        runner.run(context -> {
            CourierHealthIndicator indicator = context.getBean("courierHealthIndicator", CourierHealthIndicator.class);
            assertThat(indicator.health().getStatus()).isEqualTo(Status.UP);
            assertThat(indicator.health().getDetails()).containsEntry("transport", "memory");
        });
    }

    @Test
    void theHealthIndicatorIsOutOfServiceOnceTheBusIsClosed() {
        runner.run(context -> {
            context.getBean(MessageBus.class).close();
            assertThat(context.getBean(CourierHealthIndicator.class).health().getStatus()).isEqualTo(Status.OUT_OF_SERVICE);
        });
    }

    @Test
    void theHealthIndicatorCanBeDisabled() {
        runner.withPropertyValues("management.health.courier.enabled=false")
                .run(context -> assertThat(context).doesNotHaveBean(CourierHealthIndicator.class));
    }

    @Test
    void theConfigurationMetadataDescribesTheProperties() throws Exception {
        try (var in = getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
            assertThat(in).isNotNull();
            String metadata = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            assertThat(metadata).contains("\"courier.url\"", "\"courier.publish-timeout\"", "\"courier.transport-options\"",
                    "\"courier.consumer.concurrency\"", "\"courier.consumer.executor\"");
        }
    }
}
