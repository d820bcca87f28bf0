package dev.courier.transport.kafka;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.courier.api.BusOptions;
import dev.courier.api.ConsumerOptions;
import dev.courier.api.MessageBus;
import dev.courier.api.Subscription;
import dev.courier.micrometer.MicrometerBusListener;
import dev.courier.testkit.ConformanceSuite;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Collection;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The {@code courier.consumer.lag} gauge of courier-micrometer on the real broker: per partition,
 * the records a group has not handled yet, from the transport's consumer.
 */
@Tag("broker")
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class KafkaConsumerLagTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @Test
    void the_lag_gauge_counts_the_records_not_yet_handled_and_falls_to_zero_once_they_are() throws Exception {
        String url = KafkaTestBroker.sharedUrl();
        String topic = ConformanceSuite.RUN_PREFIX + "lag-" + UUID.randomUUID().toString().substring(0, 8);
        CountDownLatch go = new CountDownLatch(1);
        try (MessageBus bus = MessageBus.connect(url, BusOptions.defaults().withListener(new MicrometerBusListener(registry)))) {
            Subscription subscription = bus.subscribe(topic, "billing", String.class, message -> {
                if (!go.await(WAIT.toSeconds(), TimeUnit.SECONDS)) {
                    throw new IllegalStateException("never let go");
                }
            }, ConsumerOptions.concurrency(1).withMaxInFlight(1));
            CompletableFuture<?>[] sent = new CompletableFuture<?>[20];
            for (int i = 0; i < sent.length; i++) {
                sent[i] = bus.publish(topic, "order " + i).toCompletableFuture();
            }
            CompletableFuture.allOf(sent).get(WAIT.toSeconds(), TimeUnit.SECONDS);

            eventually(() -> lag(topic) == 20, "the gauges to add up to the 20 records not handled");
            go.countDown();
            eventually(() -> lag(topic) == 0 && !gauges(topic).isEmpty(), "the gauges to fall to 0");
            assertTrue(gauges(topic).stream().allMatch(g -> g.getId().getTag("partition") != null
                    && "billing".equals(g.getId().getTag("group")) && "kafka".equals(g.getId().getTag("transport"))));

            subscription.close();
            assertTrue(gauges(topic).isEmpty(), "a closed subscription's gauges are removed");
        }
    }

    private Collection<Gauge> gauges(String topic) {
        return registry.find("courier.consumer.lag").tag("topic", topic).gauges();
    }

    private long lag(String topic) {
        return (long) gauges(topic).stream().mapToDouble(Gauge::value).sum();
    }

    /** Checks {@code condition} every 100 ms until it holds, failing after {@link #WAIT}. */
    private static void eventually(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                fail("timed out after " + WAIT + " waiting for " + what);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
        }
    }
}
