package dev.courier.internal.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.api.PublishException;
import dev.courier.internal.Eventually;
import dev.courier.spi.Consumer;
import dev.courier.spi.ConsumerSpec;
import dev.courier.spi.Delivery;
import dev.courier.spi.DeliverySink;
import dev.courier.spi.Destination;
import dev.courier.spi.Envelope;
import dev.courier.spi.Transport;
import dev.courier.spi.Transports;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class MemoryQueueTest {

    private static final Destination JOBS = Destination.queue("jobs");

    @Test
    void a_sink_that_throws_keeps_its_delivery_and_the_queue_goes_on_delivering() throws Exception {
        try (Transport transport = Transports.open("memory://sink-throws", Map.of())) {
            transport.declare(JOBS);
            BlockingQueue<String> taken = new LinkedBlockingQueue<>();
            Consumer breaking = transport.consume(new ConsumerSpec(JOBS, null, 10), delivery -> {
                if (delivery.envelope().id().equals("a")) {
                    throw new IllegalStateException("the sink broke");
                }
                taken.add(delivery.envelope().id());
                delivery.ack();
            });
            for (String id : List.of("a", "b", "c")) {
                transport.send(job(id)).toCompletableFuture().get(5, TimeUnit.SECONDS);
            }
            assertEquals("b", taken.poll(5, TimeUnit.SECONDS));
            assertEquals("c", taken.poll(5, TimeUnit.SECONDS));

            breaking.close();
            try (Consumer next = transport.consume(new ConsumerSpec(JOBS, null, 10), delivery -> {
                taken.add(delivery.envelope().id());
                delivery.ack();
            })) {
                assertEquals("a", taken.poll(5, TimeUnit.SECONDS), "the kept delivery, given back on close");
            }
        }
    }

    @Test
    void a_sink_that_acks_while_taking_gets_every_message_in_order_one_at_a_time() throws Exception {
        try (Transport transport = Transports.open("memory://sink-acks-inline", Map.of())) {
            transport.declare(JOBS);
            for (int i = 0; i < 200; i++) {
                transport.send(job("m" + i)).toCompletableFuture().get(5, TimeUnit.SECONDS);
            }
            List<String> taken = new ArrayList<>();
            AtomicInteger inFlight = new AtomicInteger();
            AtomicInteger mostInFlight = new AtomicInteger();
            try (Consumer consumer = transport.consume(new ConsumerSpec(JOBS, null, 1), delivery -> {
                mostInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
                synchronized (taken) {
                    taken.add(delivery.envelope().id());
                }
                inFlight.decrementAndGet();
                delivery.ack(); // settles while the queue is handing this very delivery over
            })) {
                Eventually.await(() -> size(taken) == 200, Duration.ofSeconds(10), "200 deliveries taken");
                List<String> expected = new ArrayList<>();
                for (int i = 0; i < 200; i++) {
                    expected.add("m" + i);
                }
                synchronized (taken) {
                    assertEquals(expected, taken);
                }
                assertEquals(1, mostInFlight.get());
            }
        }
    }

    @Test
    void senders_and_a_settling_thread_together_deliver_each_message_once_within_the_in_flight_bound() throws Exception {
        try (Transport transport = Transports.open("memory://send-and-settle", Map.of())) {
            transport.declare(JOBS);
            BlockingQueue<Delivery> handed = new LinkedBlockingQueue<>();
            AtomicInteger unsettled = new AtomicInteger();
            AtomicInteger mostUnsettled = new AtomicInteger();
            Set<String> seen = ConcurrentHashMap.newKeySet();
            AtomicInteger duplicates = new AtomicInteger();
            int perSender = 5_000;
            try (Consumer consumer = transport.consume(new ConsumerSpec(JOBS, null, 4), delivery -> {
                mostUnsettled.accumulateAndGet(unsettled.incrementAndGet(), Math::max);
                if (!seen.add(delivery.envelope().id())) {
                    duplicates.incrementAndGet();
                }
                handed.add(delivery);
            })) {
                Thread settler = new Thread(() -> {
                    try {
                        for (int i = 0; i < 2 * perSender; i++) {
                            Delivery delivery = handed.poll(10, TimeUnit.SECONDS);
                            if (delivery == null) {
                                return;
                            }
                            unsettled.decrementAndGet();
                            delivery.ack();
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
                settler.start();
                Thread[] senders = new Thread[2];
                for (int s = 0; s < senders.length; s++) {
                    String prefix = "s" + s + "-";
                    senders[s] = new Thread(() -> {
                        for (int i = 0; i < perSender; i++) {
                            transport.send(job(prefix + i));
                        }
                    });
                    senders[s].start();
                }
                for (Thread sender : senders) {
                    sender.join(30_000);
                }
                settler.join(30_000);
                assertEquals(2 * perSender, seen.size(), "every message delivered");
                assertEquals(0, duplicates.get(), "none delivered twice");
                assertTrue(mostUnsettled.get() <= 4, "at most 4 unsettled, was " + mostUnsettled.get());
            }
        }
    }

    @Test
    void send_all_stores_runs_per_destination_in_order_and_a_delayed_one_when_it_is_due() throws Exception {
        Destination other = Destination.queue("other-jobs");
        try (Transport transport = Transports.open("memory://send-all", Map.of())) {
            transport.declare(JOBS);
            transport.declare(other);
            Envelope later = job("later").withDeliverAt(Instant.now().plusMillis(200));
            List<Envelope> batch = List.of(job("a"), job("b"), job("x").withDestination(other), later, job("c"), job("d"));
            for (var stage : transport.sendAll(batch)) {
                stage.toCompletableFuture().get(5, TimeUnit.SECONDS);
            }
            BlockingQueue<String> jobs = new LinkedBlockingQueue<>();
            BlockingQueue<String> others = new LinkedBlockingQueue<>();
            try (Consumer a = transport.consume(new ConsumerSpec(JOBS, null, 10), taking(jobs));
                    Consumer b = transport.consume(new ConsumerSpec(other, null, 10), taking(others))) {
                for (String id : List.of("a", "b", "c", "d", "later")) {
                    assertEquals(id, jobs.poll(5, TimeUnit.SECONDS));
                }
                assertEquals("x", others.poll(5, TimeUnit.SECONDS));
            }
        }
    }

    @Test
    void send_all_to_an_undeclared_destination_fails_each_of_its_stages() throws Exception {
        try (Transport transport = Transports.open("memory://send-all-undeclared", Map.of())) {
            var stages = transport.sendAll(List.of(job("a"), job("b")));
            for (var stage : stages) {
                var failure = assertThrows(ExecutionException.class, () -> stage.toCompletableFuture().get(5, TimeUnit.SECONDS));
                assertInstanceOf(PublishException.class, failure.getCause());
            }
        }
    }

    private static DeliverySink taking(BlockingQueue<String> ids) {
        return delivery -> {
            ids.add(delivery.envelope().id());
            delivery.ack();
        };
    }

    private static int size(List<String> list) {
        synchronized (list) {
            return list.size();
        }
    }

    private static Envelope job(String id) {
        return new Envelope(id, JOBS, null, Map.of(), new byte[] {1}, "application/octet-stream", Instant.EPOCH);
    }
}
