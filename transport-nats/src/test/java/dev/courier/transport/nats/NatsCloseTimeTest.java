package dev.courier.transport.nats;

import dev.courier.spi.ConsumerSpec;
import dev.courier.spi.Delivery;
import dev.courier.spi.DeliverySink;
import dev.courier.spi.Destination;
import dev.courier.spi.Envelope;
import dev.courier.spi.Transport;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * A measurement, not a specification: on the NATS server of the tests, measures how long closing a transport with one
 * subscription takes (idle, and just after messages), how many pull requests an idle subscription
 * makes per second, and whether closing one member of a queue while messages flow leaves any of
 * them for the ack wait (the other member then gets the last ones only after it). Prints the
 * figures and asserts nothing. Run with {@code -Dcourier.measure=true} (rounds:
 * {@code -Dcourier.measure.rounds}, default 5):
 * {@code ./mvnw -B -pl transport-nats -am verify -Dtest=NatsCloseTimeTest -Dcourier.measure=true -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@EnabledIfSystemProperty(named = "courier.measure", matches = "true")
class NatsCloseTimeTest {

    private static final Duration WAIT = Duration.ofSeconds(60);

    @Test
    void measure_close_time_idle_pulls_and_stranding() throws Exception {
        int rounds = Integer.getInteger("courier.measure.rounds", 5);
        String prefix = NatsTestBroker.uniquePrefix();
        try {
            closeTimes(prefix, rounds);
            idlePullRate(prefix);
            closingWhileMessagesFlow(prefix, rounds);
        } finally {
            NatsTestBroker.deleteStreams(NatsTestBroker.URL, prefix);
        }
    }

    private static Transport open() {
        return new NatsTransportProvider().open(URI.create(NatsTestBroker.URL), Map.of());
    }

    private static Envelope envelope(Destination destination, int i) {
        return new Envelope(UUID.randomUUID().toString(), destination, null, Map.of(), new byte[] {(byte) i},
                "application/octet-stream", Instant.now().truncatedTo(ChronoUnit.MILLIS));
    }

    private static void closeTimes(String prefix, int rounds) {
        List<Long> idle = new ArrayList<>();
        List<Long> busy = new ArrayList<>();
        for (int round = 0; round < rounds; round++) {
            for (boolean withMessages : new boolean[] {false, true}) {
                Transport transport = open();
                Destination queue = Destination.queue(prefix + ".close." + round + (withMessages ? ".busy" : ".idle"));
                transport.declare(queue);
                RecordingSink sink = new RecordingSink(true);
                transport.consume(new ConsumerSpec(queue, null, 16), sink);
                if (withMessages) {
                    for (int i = 0; i < 20; i++) {
                        transport.send(envelope(queue, i)).toCompletableFuture().join();
                    }
                    sink.awaitCount(20, WAIT);
                }
                long start = System.nanoTime();
                transport.close();
                long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                (withMessages ? busy : idle).add(ms);
            }
        }
        System.out.printf("transport close with one subscription: idle %s ms, just after 20 messages %s ms (median %d / %d)%n",
                idle, busy, median(idle), median(busy));
    }

    private static void idlePullRate(String prefix) throws Exception {
        Transport transport = open();
        Connection watcher = NatsTestBroker.connect(NatsTestBroker.URL);
        try {
            Destination queue = Destination.queue(prefix + ".idle.pulls");
            transport.declare(queue);
            String stream = NatsNames.stream(queue);
            AtomicInteger requests = new AtomicInteger();
            Dispatcher counting = watcher.createDispatcher(m -> requests.incrementAndGet());
            counting.subscribe("$JS.API.CONSUMER.MSG.NEXT." + stream + ".>");
            watcher.flush(Duration.ofSeconds(5));
            transport.consume(new ConsumerSpec(queue, null, 16), new RecordingSink(true));
            long seconds = 30;
            long start = System.nanoTime();
            TimeUnit.SECONDS.sleep(seconds); // a measuring window, not synchronisation
            int counted = requests.get();
            double elapsed = (System.nanoTime() - start) / 1e9;
            System.out.printf("idle subscription: %d pull requests in %.1f s = %.2f/s%n", counted, elapsed, counted / elapsed);
        } finally {
            transport.close();
            watcher.close();
        }
    }

    /** Two members of a queue; one closes while messages flow; the other must get all without an ack wait. */
    private static void closingWhileMessagesFlow(String prefix, int rounds) throws Exception {
        int messages = 3000;
        for (int round = 0; round < rounds; round++) {
            Destination queue = Destination.queue(prefix + ".flow." + round);
            Transport publisher = open();
            Transport stays = open();
            Transport leaves = open();
            try {
                publisher.declare(queue);
                Set<String> seen = ConcurrentHashMap.newKeySet();
                Counting staying = new Counting(seen, 0);
                Counting leaving = new Counting(seen, 200_000); // 0.2 ms per message, so it holds some
                stays.consume(new ConsumerSpec(queue, null, 64), staying);
                leaves.consume(new ConsumerSpec(queue, null, 64), leaving);
                List<java.util.concurrent.CompletableFuture<?>> sends = new ArrayList<>();
                for (int i = 0; i < messages; i++) {
                    sends.add(publisher.send(envelope(queue, i)).toCompletableFuture());
                    if (i == messages / 3) {
                        waitUntil(() -> seen.size() >= 200);
                        long start = System.nanoTime();
                        leaves.close();
                        long closeMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                        System.out.printf("round %d: closed the leaving member after it had %d, in %d ms%n", round,
                                leaving.count.get(), closeMs);
                    }
                }
                sends.forEach(java.util.concurrent.CompletableFuture::join);
                long published = System.nanoTime();
                waitUntil(() -> seen.size() >= messages);
                long lastMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - published);
                System.out.printf("round %d: all %d distinct handled %d ms after the last publish (%s)%n", round,
                        seen.size(), lastMs, lastMs > 5_000 ? "STRANDED until the ack wait" : "none stranded");
            } finally {
                leaves.close();
                stays.close();
                publisher.close();
            }
        }
    }

    private static void waitUntil(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            TimeUnit.MILLISECONDS.sleep(5);
        }
    }

    private static long median(List<Long> values) {
        List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(sorted.size() / 2);
    }

    /** Acks each delivery after {@code workNanos} of busy work, recording distinct ids. */
    private static final class Counting implements DeliverySink {
        final Set<String> seen;
        final long workNanos;
        final AtomicInteger count = new AtomicInteger();

        Counting(Set<String> seen, long workNanos) {
            this.seen = seen;
            this.workNanos = workNanos;
        }

        @Override
        public void deliver(Delivery delivery) {
            long until = System.nanoTime() + workNanos;
            while (System.nanoTime() < until) {
                Thread.onSpinWait();
            }
            seen.add(delivery.envelope().id());
            count.incrementAndGet();
            delivery.ack();
        }
    }
}
