package dev.courier.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.courier.internal.memory.MemoryBrokerControl;
import dev.courier.spi.Consumer;
import dev.courier.spi.ConsumerSpec;
import dev.courier.spi.Delivery;
import dev.courier.spi.Destination;
import dev.courier.spi.Envelope;
import dev.courier.spi.Transport;
import dev.courier.spi.Transports;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** memory://'s acks made in a handler run ({@link WorkerRun}) wait for the run's flush, observably only as tighter back-pressure. */
@Timeout(30)
class WorkerRunTest {

    private static final Destination JOBS = Destination.queue("jobs");

    @Test
    void outside_a_run_there_is_no_current_run() {
        assertNull(WorkerRun.current());
    }

    @Test
    void an_ack_made_in_a_run_makes_room_for_the_next_delivery_when_the_run_flushes() throws Exception {
        try (Transport transport = Transports.open("memory://run-ack-room", Map.of())) {
            transport.declare(JOBS);
            BlockingQueue<Delivery> taken = new LinkedBlockingQueue<>();
            try (Consumer consumer = transport.consume(new ConsumerSpec(JOBS, null, 1), taken::add)) {
                send(transport, "a");
                send(transport, "b");
                Delivery a = taken.poll(5, TimeUnit.SECONDS);
                assertEquals("a", a.envelope().id());

                WorkerRun outer = WorkerRun.begin();
                a.ack();
                assertNull(taken.poll(), "the ack waits for the flush: the consumer is still full");
                WorkerRun.end(outer);

                Delivery b = taken.poll(5, TimeUnit.SECONDS);
                assertEquals("b", b.envelope().id(), "the flush made room");
                b.ack();
            }
        }
    }

    @Test
    void an_ack_waiting_for_its_flush_counts_as_acked_when_the_consumer_closes() throws Exception {
        try (Transport transport = Transports.open("memory://run-ack-close", Map.of())) {
            transport.declare(JOBS);
            BlockingQueue<Delivery> taken = new LinkedBlockingQueue<>();
            Consumer first = transport.consume(new ConsumerSpec(JOBS, null, 10), taken::add);
            send(transport, "acked");
            send(transport, "unsettled");
            Delivery acked = taken.poll(5, TimeUnit.SECONDS);
            assertEquals("unsettled", taken.poll(5, TimeUnit.SECONDS).envelope().id());

            WorkerRun outer = WorkerRun.begin();
            acked.ack();
            first.close(); // before the run flushes
            WorkerRun.end(outer);

            BlockingQueue<String> redelivered = new LinkedBlockingQueue<>();
            try (Consumer second = transport.consume(new ConsumerSpec(JOBS, null, 10), delivery -> {
                redelivered.add(delivery.envelope().id());
                delivery.ack();
            })) {
                assertEquals("unsettled", redelivered.poll(5, TimeUnit.SECONDS));
                send(transport, "later");
                assertEquals("later", redelivered.poll(5, TimeUnit.SECONDS), "the acked message is not delivered again");
            }
        }
    }

    @Test
    void a_message_sent_while_acks_wait_is_delivered_by_the_flush_even_when_those_acks_were_given_back_meanwhile()
            throws Exception {
        try (Transport transport = Transports.open("memory://run-ack-given-back", Map.of())) {
            transport.declare(JOBS);
            BlockingQueue<Delivery> taken = new LinkedBlockingQueue<>();
            try (Consumer consumer = transport.consume(new ConsumerSpec(JOBS, null, 10), taken::add)) {
                send(transport, "a");
                Delivery a = taken.poll(5, TimeUnit.SECONDS);

                WorkerRun outer = WorkerRun.begin();
                a.ack();
                MemoryBrokerControl.stop("run-ack-given-back"); // gives "a" back: it counts as acked
                MemoryBrokerControl.start("run-ack-given-back");
                send(transport, "b"); // the consumer has acks waiting: the sender leaves the drain to the flush
                WorkerRun.end(outer);

                Delivery b = taken.poll(5, TimeUnit.SECONDS);
                assertEquals("b", b == null ? null : b.envelope().id(), "the flush drained though it released nothing");
                b.ack();
            }
        }
    }

    @Test
    void a_message_sent_after_the_last_flush_of_a_run_that_acked_is_delivered_when_the_run_ends() throws Exception {
        withOneConsumer("run-drains-at-end", (transport, taken) -> {
            send(transport, "a");
            Delivery a = taken.poll(5, TimeUnit.SECONDS);

            WorkerRun outer = WorkerRun.begin();
            a.ack();
            WorkerRun.flushCurrent();
            send(transport, "b"); // the run acked for this consumer: the sender leaves the drain to it
            assertNull(taken.poll(), "left to the run");
            WorkerRun.end(outer);

            Delivery b = taken.poll(5, TimeUnit.SECONDS);
            assertEquals("b", b == null ? null : b.envelope().id(), "the run's end drained it");
        });
    }

    @Test
    void batches_sent_from_two_threads_while_a_thread_acks_in_runs_are_each_delivered_once() throws Exception {
        int batches = 500;
        int perBatch = 10;
        Set<String> seen = ConcurrentHashMap.newKeySet();
        AtomicInteger duplicates = new AtomicInteger();
        withOneConsumer("run-acks-and-batches", (transport, taken) -> {
            Thread settler = new Thread(() -> { // acks in runs of up to 5, as a single handler thread does
                try {
                    for (Delivery first; (first = taken.poll(10, TimeUnit.SECONDS)) != null; ) {
                        WorkerRun outer = WorkerRun.begin();
                        Delivery next = first;
                        for (int i = 0; next != null; next = ++i < 5 ? taken.poll() : null) {
                            if (!seen.add(next.envelope().id())) {
                                duplicates.incrementAndGet();
                            }
                            next.ack();
                        }
                        WorkerRun.end(outer);
                        if (seen.size() == 2 * batches * perBatch) {
                            return;
                        }
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            settler.start();
            List<Thread> senders = List.of(sendingBatches(transport, "x", batches, perBatch),
                    sendingBatches(transport, "y", batches, perBatch));
            for (Thread sender : senders) {
                sender.join(30_000);
            }
            settler.join(30_000);
        });
        assertEquals(2 * batches * perBatch, seen.size(), "every message delivered");
        assertEquals(0, duplicates.get(), "none delivered twice");
    }

    /** A memory:// queue with one consumer of up to 10 in flight handing its deliveries to {@code taken}. */
    private static void withOneConsumer(String broker, QueueScenario scenario) throws Exception {
        try (Transport transport = Transports.open("memory://" + broker, Map.of())) {
            transport.declare(JOBS);
            BlockingQueue<Delivery> taken = new LinkedBlockingQueue<>();
            try (Consumer consumer = transport.consume(new ConsumerSpec(JOBS, null, 10), taken::add)) {
                scenario.run(transport, taken);
            }
        }
    }

    private interface QueueScenario {
        void run(Transport transport, BlockingQueue<Delivery> taken) throws Exception;
    }

    private static Thread sendingBatches(Transport transport, String prefix, int batches, int perBatch) {
        Thread sender = new Thread(() -> {
            for (int b = 0; b < batches; b++) {
                List<Envelope> batch = new ArrayList<>();
                for (int i = 0; i < perBatch; i++) {
                    batch.add(job(prefix + b + "-" + i));
                }
                transport.sendAll(batch);
            }
        });
        sender.start();
        return sender;
    }

    private static Envelope job(String id) {
        return new Envelope(id, JOBS, null, Map.of(), new byte[] {1}, "application/octet-stream", Instant.EPOCH);
    }

    private static void send(Transport transport, String id) throws Exception {
        transport.send(job(id)).toCompletableFuture().get(5, TimeUnit.SECONDS);
    }
}
