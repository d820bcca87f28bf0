package dev.courier.internal;

import static dev.courier.internal.Eventually.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.api.ConsumeInterceptor;
import dev.courier.api.ConsumerOptions;
import dev.courier.api.DeadLetterHeaders;
import dev.courier.api.Outcome;
import dev.courier.api.Route;
import dev.courier.spi.Consumer;
import dev.courier.spi.Delivery;
import dev.courier.spi.Destination;
import dev.courier.spi.Envelope;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The dispatcher on its own: a fake consumer feeds it deliveries, a pipeline of the test's decides their outcome. */
@Timeout(30)
class RealSubscriptionTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final Duration LONG = Duration.ofMinutes(10);

    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor();
    private final FakeConsumer consumer = new FakeConsumer();
    private final List<FakeDelivery> deliveries = new CopyOnWriteArrayList<>();
    private final CountDownLatch release = new CountDownLatch(1);
    private final AtomicInteger running = new AtomicInteger();
    private final AtomicInteger mostRunning = new AtomicInteger();
    private final List<String> started = new CopyOnWriteArrayList<>();
    private final List<String> finished = new CopyOnWriteArrayList<>();
    private ExecutorService userExecutor;
    private RealSubscription subscription;

    @AfterEach
    void tearDown() {
        release.countDown();
        if (subscription != null) {
            subscription.close();
        }
        timers.shutdownNow();
        if (userExecutor != null) {
            userExecutor.shutdownNow();
        }
    }

    private RealSubscription subscribe(ConsumerOptions options, ConsumeInterceptor.Chain pipeline) {
        subscription = new RealSubscription(new Route("fake", "orders", "billing"), "orders.billing.dlq", options,
                timers, null, () -> { });
        subscription.pipeline(pipeline);
        subscription.attach(consumer);
        return subscription;
    }

    /** A pipeline whose handler records what runs, holds until {@link #release}, then is handled. */
    private ConsumeInterceptor.Chain recording() {
        return message -> {
            String payload = new String(message.payload());
            started.add(payload);
            mostRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Outcome.failed(e);
            } finally {
                running.decrementAndGet();
            }
            finished.add(payload);
            return Outcome.handled();
        };
    }

    private FakeDelivery deliver(String payload, String key) {
        FakeDelivery delivery = new FakeDelivery(new Envelope(payload + "-id", Destination.topic("orders"), key, Map.of(),
                payload.getBytes(), "text/plain", Instant.now()));
        deliveries.add(delivery);
        subscription.deliver(delivery);
        return delivery;
    }

    @Test
    void messages_with_one_key_run_one_after_another_in_order() {
        subscribe(ConsumerOptions.concurrency(4), recording());

        for (int i = 0; i < 5; i++) {
            deliver("m" + i, "k");
        }
        await(() -> started.size() == 1, WAIT, "the key's first message");
        assertEquals(1, running.get(), "the key's next message waits for the first to settle");
        release.countDown();

        await(() -> finished.size() == 5, WAIT, "every message");
        assertEquals(List.of("m0", "m1", "m2", "m3", "m4"), finished);
        assertEquals(1, mostRunning.get());
    }

    @Test
    void deliveries_given_together_keep_per_key_order_and_the_concurrency() {
        subscribe(ConsumerOptions.concurrency(2), recording());
        List<FakeDelivery> batch = new java.util.ArrayList<>();
        for (int i = 0; i < 6; i++) {
            FakeDelivery delivery = new FakeDelivery(new Envelope("m" + i + "-id", Destination.topic("orders"),
                    i < 3 ? "a" : "k" + i, Map.of(), ("m" + i).getBytes(), "text/plain", Instant.now()));
            deliveries.add(delivery);
            batch.add(delivery);
        }
        subscription.deliverAll(batch);

        await(() -> running.get() == 2, WAIT, "two handlers running");
        assertEquals(java.util.Set.of("m0", "m3"), java.util.Set.copyOf(started),
                "the key's next message waits; the others wait for a handler thread");
        release.countDown();
        await(() -> finished.size() == 6, WAIT, "every message");
        assertEquals(2, mostRunning.get());
        assertEquals(List.of("m0", "m1", "m2"), finished.stream().filter(m -> m.compareTo("m3") < 0).toList());
        await(() -> batch.stream().allMatch(d -> d.acks.get() == 1), WAIT, "every message acked once");
    }

    @Test
    void messages_with_other_keys_run_at_once_up_to_the_concurrency() {
        subscribe(ConsumerOptions.concurrency(3), recording());

        for (int i = 0; i < 6; i++) {
            deliver("m" + i, "k" + i);
        }

        await(() -> running.get() == 3, WAIT, "three handlers running");
        assertEquals(3, started.size(), "the others wait for a handler thread");
        release.countDown();
        await(() -> finished.size() == 6, WAIT, "every message");
        assertEquals(3, mostRunning.get());
    }

    @Test
    void in_flight_counts_every_unsettled_delivery_running_queued_or_waiting_to_retry() {
        subscribe(ConsumerOptions.concurrency(1), message -> new String(message.payload()).equals("retry")
                ? Outcome.retry(LONG, new IllegalStateException("later"))
                : recording().proceed(message));

        deliver("retry", "a");
        await(() -> deliveries.get(0).inProgress.get() == 1, WAIT, "the retry to be scheduled");
        deliver("running", "b");
        deliver("queued", "b");
        await(() -> running.get() == 1, WAIT, "a handler running");

        assertEquals(3, subscription.inFlight());
        release.countDown();
        await(() -> subscription.inFlight() == 1, WAIT, "only the retrying message left in flight");
    }

    @Test
    void a_retry_waits_on_a_timer_and_holds_no_handler_thread() {
        subscribe(ConsumerOptions.concurrency(1), message -> {
            if (new String(message.payload()).equals("failing")) {
                return Outcome.retry(LONG, new IllegalStateException("not yet"));
            }
            finished.add(new String(message.payload()));
            return Outcome.handled();
        });

        FakeDelivery failing = deliver("failing", "a");
        deliver("other", "b");

        await(() -> finished.contains("other"), WAIT, "the other key's message on the only handler thread");
        assertEquals(0, failing.settles(), "the retrying message stays unsettled");
        assertEquals(1, failing.inProgress.get(), "the broker is told it is still being worked on");
    }

    @Test
    void a_retry_runs_the_message_again_with_the_next_attempt() {
        List<Integer> attempts = new CopyOnWriteArrayList<>();
        subscribe(ConsumerOptions.defaults(), message -> {
            attempts.add(message.attempt());
            return message.attempt() < 3 ? Outcome.retry(Duration.ofMillis(1), new IllegalStateException()) : Outcome.handled();
        });

        FakeDelivery delivery = deliver("m", "k");

        await(() -> delivery.acks.get() == 1, WAIT, "the ack after the third attempt");
        assertEquals(List.of(1, 2, 3), attempts);
    }

    @Test
    void a_message_addressed_to_another_group_is_acked_without_running_the_handler() {
        subscribe(ConsumerOptions.defaults(), recording());
        release.countDown();

        FakeDelivery other = deliverTo("for-shipping", "shipping");
        FakeDelivery own = deliverTo("for-billing", "billing");

        await(() -> other.acks.get() == 1 && own.acks.get() == 1, WAIT, "both acked");
        assertEquals(List.of("for-billing"), started);
        assertEquals(0, subscription.inFlight());
    }

    private FakeDelivery deliverTo(String payload, String targetGroup) {
        FakeDelivery delivery = new FakeDelivery(new Envelope(payload + "-id", Destination.topic("orders"), null,
                Map.of(DeadLetterHeaders.TARGET_GROUP, targetGroup), payload.getBytes(), "text/plain", Instant.now()));
        deliveries.add(delivery);
        subscription.deliver(delivery);
        return delivery;
    }

    @Test
    void handled_and_dead_lettered_messages_are_acked_once() {
        subscribe(ConsumerOptions.defaults(), message -> new String(message.payload()).equals("poison")
                ? Outcome.deadLettered("orders.billing.dlq", new IllegalStateException("poison"))
                : Outcome.handled());

        FakeDelivery good = deliver("good", null);
        FakeDelivery poison = deliver("poison", null);

        await(() -> good.acks.get() == 1 && poison.acks.get() == 1, WAIT, "both acked");
        assertEquals(0, good.rejects.get() + poison.rejects.get());
        assertEquals(0, subscription.inFlight());
    }

    @Test
    void close_waits_for_running_handlers_and_acks_what_they_handled() throws Exception {
        subscribe(ConsumerOptions.concurrency(2), recording());
        FakeDelivery first = deliver("first", "a");
        FakeDelivery second = deliver("second", "b");
        await(() -> running.get() == 2, WAIT, "both handlers running");

        Thread closing = new Thread(subscription::close);
        closing.start();
        await(() -> consumer.stopped, WAIT, "fetching to stop");
        assertTrue(closing.isAlive(), "close waits for the running handlers");
        release.countDown();
        closing.join(WAIT.toMillis());

        assertFalse(closing.isAlive());
        assertEquals(1, first.acks.get());
        assertEquals(1, second.acks.get());
        assertTrue(consumer.closed);
    }

    @Test
    void close_interrupts_handlers_after_the_shutdown_timeout_and_gives_back_their_deliveries() {
        subscribe(ConsumerOptions.defaults().withShutdownTimeout(Duration.ofMillis(50)), recording());
        FakeDelivery stuck = deliver("stuck", "a");
        await(() -> running.get() == 1, WAIT, "the handler running");

        subscription.close();

        assertEquals(1, stuck.rejects.get(), "given back for redelivery");
        assertEquals(0, stuck.acks.get());
    }

    @Test
    void close_gives_back_queued_and_retrying_deliveries_without_running_them() throws Exception {
        subscribe(ConsumerOptions.defaults(), message ->
                new String(message.payload()).equals("retry")
                        ? Outcome.retry(LONG, new IllegalStateException())
                        : recording().proceed(message));
        FakeDelivery retrying = deliver("retry", "r");
        await(() -> retrying.inProgress.get() == 1, WAIT, "the retry scheduled");
        deliver("running", "k");
        FakeDelivery queued = deliver("queued", "k");
        await(() -> running.get() == 1, WAIT, "the handler running");

        Thread closing = new Thread(subscription::close);
        closing.start();
        await(() -> consumer.stopped, WAIT, "fetching to stop");
        release.countDown();
        closing.join(WAIT.toMillis());

        assertEquals(1, retrying.rejects.get());
        assertFalse(started.contains("queued"), "a queued message does not start once closing");
        assertEquals(1, queued.rejects.get());
    }

    @Test
    void every_delivery_is_settled_exactly_once_also_when_closing_midway() {
        release.countDown();
        AtomicInteger calls = new AtomicInteger();
        subscribe(ConsumerOptions.concurrency(4), message -> calls.incrementAndGet() % 3 == 0
                ? Outcome.retry(Duration.ofMillis(1), new IllegalStateException())
                : Outcome.handled());

        for (int i = 0; i < 300; i++) {
            deliver("m" + i, i % 2 == 0 ? "k" + (i % 7) : null);
        }
        subscription.close();

        for (FakeDelivery delivery : deliveries) {
            assertEquals(1, delivery.settles(), "settled once: " + delivery.envelope().id());
        }
        assertEquals(0, subscription.inFlight());
    }

    @Test
    void handlers_run_on_the_users_executor() {
        userExecutor = Executors.newCachedThreadPool(task -> new Thread(task, "users-own-thread"));
        List<String> threads = new CopyOnWriteArrayList<>();
        subscribe(ConsumerOptions.concurrency(2).withExecutor(userExecutor), message -> {
            threads.add(Thread.currentThread().getName());
            return Outcome.handled();
        });

        for (int i = 0; i < 10; i++) {
            deliver("m" + i, "k" + (i % 3));
        }

        await(() -> threads.size() == 10, WAIT, "every message handled");
        assertTrue(threads.stream().allMatch("users-own-thread"::equals), threads.toString());
    }

    @Test
    void the_users_executor_runs_no_more_handlers_at_once_than_the_concurrency() {
        userExecutor = Executors.newCachedThreadPool(); // would run any number at once
        subscribe(ConsumerOptions.concurrency(3).withExecutor(userExecutor), recording());

        for (int i = 0; i < 12; i++) {
            deliver("m" + i, "k" + i);
        }
        await(() -> running.get() == 3, WAIT, "three handlers running");
        release.countDown();

        await(() -> finished.size() == 12, WAIT, "every message");
        assertEquals(3, mostRunning.get());
    }

    @Test
    void the_users_executor_keeps_each_keys_order() {
        userExecutor = Executors.newCachedThreadPool();
        Map<String, List<Integer>> seen = new ConcurrentHashMap<>();
        subscribe(ConsumerOptions.concurrency(4).withExecutor(userExecutor), message -> {
            String[] keyAndNumber = new String(message.payload()).split(":");
            seen.computeIfAbsent(keyAndNumber[0], k -> new CopyOnWriteArrayList<>()).add(Integer.parseInt(keyAndNumber[1]));
            return Outcome.handled();
        });

        for (int i = 0; i < 200; i++) {
            deliver("k" + (i % 5) + ":" + i, "k" + (i % 5));
        }

        await(() -> seen.values().stream().mapToInt(List::size).sum() == 200, WAIT, "every message");
        seen.values().forEach(numbers -> {
            List<Integer> sorted = new ArrayList<>(numbers);
            sorted.sort(null);
            assertEquals(sorted, numbers, "one key's messages in delivery order");
        });
    }

    @Test
    void closing_the_subscription_leaves_the_users_executor_running() {
        userExecutor = Executors.newCachedThreadPool();
        subscribe(ConsumerOptions.defaults().withExecutor(userExecutor), message -> Outcome.handled());
        FakeDelivery delivery = deliver("m", null);
        await(() -> delivery.acks.get() == 1, WAIT, "the ack");

        subscription.close();

        assertFalse(userExecutor.isShutdown());
    }

    @Test
    void a_handler_interrupted_on_close_does_not_leave_the_interrupt_on_the_users_thread() throws Exception {
        userExecutor = Executors.newSingleThreadExecutor();
        subscribe(ConsumerOptions.defaults().withExecutor(userExecutor).withShutdownTimeout(Duration.ofMillis(50)),
                recording());
        FakeDelivery stuck = deliver("stuck", null);
        await(() -> running.get() == 1, WAIT, "the handler running");

        subscription.close();

        assertEquals(1, stuck.rejects.get());
        assertFalse(userExecutor.submit(() -> Thread.currentThread().isInterrupted()).get(10, TimeUnit.SECONDS),
                "the executor's thread is not left interrupted");
    }

    /** A delivery that counts every settle call, so a second one shows. */
    private static final class FakeDelivery implements Delivery {
        private final Envelope envelope;
        final AtomicInteger acks = new AtomicInteger();
        final AtomicInteger rejects = new AtomicInteger();
        final AtomicInteger inProgress = new AtomicInteger();

        FakeDelivery(Envelope envelope) {
            this.envelope = envelope;
        }

        int settles() {
            return acks.get() + rejects.get();
        }

        @Override
        public Envelope envelope() {
            return envelope;
        }

        @Override
        public int deliveryCount() {
            return 1;
        }

        @Override
        public void ack() {
            acks.incrementAndGet();
        }

        @Override
        public void reject() {
            rejects.incrementAndGet();
        }

        @Override
        public void inProgress() {
            inProgress.incrementAndGet();
        }
    }

    private static final class FakeConsumer implements Consumer {
        volatile boolean stopped;
        volatile boolean closed;

        @Override
        public void stopFetching() {
            stopped = true;
        }

        @Override
        public void close() {
            closed = true;
        }
    }

}
