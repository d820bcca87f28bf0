package dev.courier.transport.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.courier.api.MessageBus;
import dev.courier.spi.Consumer;
import dev.courier.spi.ConsumerSpec;
import dev.courier.spi.Delivery;
import dev.courier.spi.Destination;
import dev.courier.spi.Envelope;
import dev.courier.spi.Transport;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Members coming and going: per-key order across a rebalance, and closing many subscriptions at once. */
@Tag("broker")
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class KafkaGroupChangesTest {

    private final List<AutoCloseable> resources = new ArrayList<>();
    private String prefix;

    @BeforeEach
    void name() {
        KafkaTestBroker.sharedUrl(); // skips (or fails under CI) when the broker is unreachable
        prefix = "kg-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
    }

    /** One member's connection: a transport of its own, as if it ran in another process. */
    private Transport member() {
        Transport transport = new KafkaTransportProvider().open(URI.create("kafka://" + KafkaTestBroker.bootstrapServers()),
                Map.of("partitions", "1", "kafka.consumer.session.timeout.ms", "6000"));
        resources.add(transport);
        return transport;
    }

    private static Envelope keyed(Destination destination, String key, String text) {
        return new Envelope(UUID.randomUUID().toString(), destination, key, Map.of(),
                text.getBytes(StandardCharsets.UTF_8), "text/plain", Instant.now().truncatedTo(ChronoUnit.MILLIS));
    }

    private static String text(Delivery delivery) {
        return new String(delivery.envelope().payload(), StandardCharsets.UTF_8);
    }

    /** The first delivery either member receives within {@code wait}, or null. */
    private static Delivery first(Duration wait, BlockingQueue<Delivery> a, BlockingQueue<Delivery> b)
            throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        while (System.nanoTime() - deadline < 0) {
            Delivery delivery = a.poll(50, TimeUnit.MILLISECONDS);
            if (delivery == null) {
                delivery = b.poll();
            }
            if (delivery != null) {
                return delivery;
            }
        }
        return null;
    }

    @Test
    void a_key_in_a_long_retry_is_not_handled_elsewhere_when_a_member_joins_until_that_message_is_settled()
            throws Exception {
        Transport firstMember = member();
        Transport secondMember = member();
        Destination topic = Destination.topic(prefix + ".order");
        firstMember.declare(topic);
        BlockingQueue<Delivery> atFirst = new LinkedBlockingQueue<>();
        BlockingQueue<Delivery> atSecond = new LinkedBlockingQueue<>();
        resources.add(firstMember.consume(new ConsumerSpec(topic, "g", 1), atFirst::add));
        firstMember.send(keyed(topic, "k", "m1")).toCompletableFuture().get(30, TimeUnit.SECONDS);
        firstMember.send(keyed(topic, "k", "m2")).toCompletableFuture().get(30, TimeUnit.SECONDS);
        Delivery retrying = atFirst.poll(30, TimeUnit.SECONDS);
        assertNotNull(retrying);
        assertEquals("m1", text(retrying)); // its handler keeps failing and retrying: it stays unsettled

        // a second member joins while m1 is still being retried
        CompletableFuture<Consumer> joined = CompletableFuture.supplyAsync(
                () -> secondMember.consume(new ConsumerSpec(topic, "g", 10), atSecond::add));

        // well past the five seconds after which the old member used to let its partitions go,
        // neither member gets key k's messages: m1 is still running
        Delivery early = first(Duration.ofSeconds(12), atFirst, atSecond);
        assertNull(early, () -> "key k handled again while m1 was still retrying: " + early);

        retrying.ack(); // the retry succeeds at last
        Delivery next = first(Duration.ofSeconds(60), atFirst, atSecond);
        assertNotNull(next, "key k goes on after m1 was settled");
        assertEquals("m2", text(next), "m1 is done and committed: the key goes on with m2");
        next.ack();
        resources.add(joined.get(60, TimeUnit.SECONDS));
    }

    @Test
    void closing_a_bus_with_a_hundred_subscriptions_takes_about_as_long_as_closing_one() throws Exception {
        MessageBus bus = MessageBus.connect(KafkaTestBroker.sharedUrl() + "&partitions=1");
        resources.add(bus);
        String topic = prefix + ".many";
        ExecutorService subscribers = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> subscribed = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                String group = "g" + i;
                subscribed.add(subscribers.submit(() -> bus.subscribe(topic, group, String.class, message -> { })));
            }
            for (Future<?> subscription : subscribed) {
                subscription.get(2, TimeUnit.MINUTES);
            }
        } finally {
            subscribers.shutdown();
        }
        // one subscription closes in well under a second; one after another, 100 took about 39 s
        assertTimeoutPreemptively(Duration.ofSeconds(15), bus::close);
    }
}
