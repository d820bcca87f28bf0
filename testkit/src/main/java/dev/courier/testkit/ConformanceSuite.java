package dev.courier.testkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.courier.api.BusListener;
import dev.courier.api.BusOptions;
import dev.courier.api.ConsumerOptions;
import dev.courier.api.DeadLetterHeaders;
import dev.courier.api.DecodingException;
import dev.courier.api.EventType;
import dev.courier.api.Health;
import dev.courier.api.HealthStatus;
import dev.courier.api.Message;
import dev.courier.api.MessageBus;
import dev.courier.api.MessageTooLargeException;
import dev.courier.api.OutgoingMessage;
import dev.courier.api.Outcome;
import dev.courier.api.PublishException;
import dev.courier.api.PublishReceipt;
import dev.courier.api.RetryPolicy;
import dev.courier.api.Route;
import dev.courier.api.Subscription;
import dev.courier.api.TraceContext;
import dev.courier.api.TypeRoutes;
import dev.courier.api.UnroutedTypeException;
import dev.courier.api.WorkQueue;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;

/**
 * The contract every Courier transport must pass (the numbered rules of DESIGN.md). A transport
 * module runs it by subclassing and naming its broker:
 *
 * <pre>{@code
 * class RabbitMqConformanceTest extends ConformanceSuite {
 *     protected String url() { return "amqp://guest:guest@127.0.0.1:5672/"; }
 * }
 * }</pre>
 *
 * <p>Every test uses names unique to the run and the test, so tests never see each other's
 * messages, also when runs share a broker. Waits are bounded by {@link #timeout()}; nothing here
 * asserts on speed, only on lower bounds of retry backoff.
 */
@Tag("conformance")
@Timeout(value = 3, unit = TimeUnit.MINUTES)
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
public abstract class ConformanceSuite {

    /**
     * The start of every name the suite creates in this JVM ({@code ck-<run>-}), so that a
     * transport's test can delete what the run left on a shared broker.
     */
    public static final String RUN_PREFIX = "ck-" + UUID.randomUUID().toString().substring(0, 8) + "-";
    private static final AtomicInteger TEST_NUMBER = new AtomicInteger();

    private final List<MessageBus> buses = new CopyOnWriteArrayList<>();
    private String prefix;

    /** The broker's URL, for example {@code amqp://guest:guest@127.0.0.1:5672/}. */
    protected abstract String url();

    /** Options of every bus the suite opens; the default has a 15 s publish timeout. */
    protected BusOptions busOptions() {
        return BusOptions.defaults().withPublishTimeout(Duration.ofSeconds(15));
    }

    /** How long to wait for expected deliveries. */
    protected Duration timeout() {
        return Duration.ofSeconds(30);
    }

    /**
     * A payload size the broker must refuse; the default, 1 MiB + 1, exceeds the default limit of
     * Kafka, NATS and {@code memory://}. A broker with a higher limit overrides this.
     */
    protected int oversizedPayloadBytes() {
        return 1024 * 1024 + 1;
    }

    /**
     * The broker the restart scenario stops and starts; {@code null} when the transport cannot offer
     * one, in which case {@link #restartUnsupportedReason()} says why and the scenario is skipped.
     */
    protected RestartableBroker restartableBroker() {
        return null;
    }

    /** Why {@link #restartableBroker()} is {@code null}. Courier's own transports must not need this. */
    protected String restartUnsupportedReason() {
        return getClass().getSimpleName() + " offers no restartable broker";
    }

    /** Called before each test, for example to check the broker is reachable ({@link Brokers#requireReachable}). */
    protected void beforeEachTest() {
    }

    @BeforeEach
    void setUpNames(TestInfo info) {
        beforeEachTest();
        String method = info.getTestMethod().map(m -> m.getName()).orElse("test");
        String shortName = method.length() > 24 ? method.substring(0, 24) : method;
        prefix = RUN_PREFIX + TEST_NUMBER.incrementAndGet() + "-" + shortName;
    }

    @AfterEach
    void closeBuses() {
        for (MessageBus bus : buses) {
            try {
                bus.close();
            } catch (RuntimeException e) {
                // the test's outcome matters more than a failing close; close is tested on its own
                System.err.println("closing a bus after the test failed: " + e);
            }
        }
        buses.clear();
    }

    /** A new bus on the broker under test, closed after the test. */
    protected MessageBus connect() {
        return connect(url(), busOptions());
    }

    /** A new bus on {@code url}, closed after the test. */
    protected MessageBus connect(String url, BusOptions options) {
        MessageBus bus = MessageBus.connect(url, options);
        buses.add(bus);
        return bus;
    }

    /** A name unique to this run and test. */
    protected String name(String suffix) {
        return prefix + "." + suffix;
    }

    private static PublishReceipt await(java.util.concurrent.CompletionStage<PublishReceipt> stage) {
        try {
            return stage.toCompletableFuture().get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("publish failed: " + e, e);
        }
    }

    private static Set<String> publishAll(MessageBus bus, String topic, int count) {
        List<CompletableFuture<PublishReceipt>> stages = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            stages.add(bus.publish(topic, "m" + i).toCompletableFuture());
        }
        Set<String> ids = new HashSet<>();
        stages.forEach(stage -> ids.add(await(stage).id()));
        return ids;
    }

    private static ConsumerOptions quickRetry(int attempts) {
        return ConsumerOptions.defaults().withRetry(
                RetryPolicy.exponential(attempts, Duration.ofMillis(50), Duration.ofMillis(200)));
    }

    /** The batch contract ({@link BatchSuite}) with this suite's broker, names, buses and timeout. */
    @Nested
    class Batches extends BatchSuite {

        @Override
        protected MessageBus connect() {
            return ConformanceSuite.this.connect();
        }

        @Override
        protected String name(String suffix) {
            return ConformanceSuite.this.name(suffix);
        }

        @Override
        protected Duration timeout() {
            return ConformanceSuite.this.timeout();
        }

        @Override
        protected int oversizedPayloadBytes() {
            return ConformanceSuite.this.oversizedPayloadBytes();
        }
    }

    // 1. Fan-out ---------------------------------------------------------------------------------

    @Test
    void every_group_receives_every_message() {
        MessageBus bus = connect();
        String topic = name("fanout");
        Inbox<String> email = new Inbox<>();
        Inbox<String> analytics = new Inbox<>();
        bus.subscribe(topic, "email", String.class, email);
        bus.subscribe(topic, "analytics", String.class, analytics);

        Set<String> ids = publishAll(bus, topic, 20);

        assertEquals(ids, Set.copyOf(email.awaitIds(ids, timeout()).stream().map(Message::id).toList()));
        assertEquals(ids, Set.copyOf(analytics.awaitIds(ids, timeout()).stream().map(Message::id).toList()));
    }

    @Test
    void members_of_one_group_share_its_messages() {
        MessageBus bus = connect();
        String topic = name("compete");
        Map<String, AtomicInteger> handled = new ConcurrentHashMap<>();
        Inbox<String> first = new Inbox<>(m -> handled.computeIfAbsent(m.id(), id -> new AtomicInteger()).incrementAndGet());
        Inbox<String> second = new Inbox<>(m -> handled.computeIfAbsent(m.id(), id -> new AtomicInteger()).incrementAndGet());
        bus.subscribe(topic, "workers", String.class, first);
        connect().subscribe(topic, "workers", String.class, second);

        List<CompletableFuture<PublishReceipt>> stages = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            stages.add(bus.publish(OutgoingMessage.of(topic, "m" + i).withKey("k" + i)).toCompletableFuture());
        }
        Set<String> ids = new HashSet<>();
        stages.forEach(stage -> ids.add(await(stage).id()));

        first.awaitUntil(any -> handled.keySet().containsAll(ids), timeout(), "every message handled by some member");
        handled.forEach((id, count) -> assertEquals(1, count.get(), "message " + id + " handled by one member once"));
    }

    @Test
    void a_message_published_right_after_subscribe_returned_is_received() {
        MessageBus bus = connect();
        String topic = name("fresh");
        Inbox<String> inbox = new Inbox<>();
        bus.subscribe(topic, "g", String.class, inbox);
        String id = await(connect().publish(topic, "first")).id();

        assertEquals(id, inbox.awaitCount(1, timeout()).get(0).id());
    }

    @Test
    void topics_are_isolated_from_each_other() {
        MessageBus bus = connect();
        String a = name("a");
        String b = name("b");
        Inbox<String> onA = new Inbox<>();
        Inbox<String> onB = new Inbox<>();
        bus.subscribe(a, "g", String.class, onA);
        bus.subscribe(b, "g", String.class, onB);

        await(bus.publish(a, "for-a"));
        await(bus.publish(b, "for-b"));
        onA.awaitCount(1, timeout());
        onB.awaitCount(1, timeout());

        assertEquals(List.of("for-a"), onA.payloads());
        assertEquals(List.of("for-b"), onB.payloads());
    }

    @Test
    void a_topic_and_a_work_queue_of_the_same_name_are_separate() {
        MessageBus bus = connect();
        String name = name("same");
        Inbox<String> subscriber = new Inbox<>();
        bus.subscribe(name, "g", String.class, subscriber);
        Inbox<String> worker = new Inbox<>();
        WorkQueue<String> queue = bus.workQueue(name, String.class);
        queue.work(worker);

        await(bus.publish(name, "event"));
        await(queue.submit("job"));
        subscriber.awaitCount(1, timeout());
        worker.awaitCount(1, timeout());
        String marker = await(bus.publish(name, "marker")).id();
        subscriber.awaitMessage(m -> m.id().equals(marker), timeout(), "the marker");

        assertEquals(List.of("event", "marker"), subscriber.payloads());
        assertEquals(List.of("job"), worker.payloads());
    }

    // 2. Durable groups and queues ----------------------------------------------------------------

    @Test
    void a_group_keeps_messages_published_while_no_member_runs() {
        String topic = name("offline");
        Subscription first = connect().subscribe(topic, "g", String.class, new Inbox<>());
        first.close();

        Set<String> ids = publishAll(connect(), topic, 10);

        Inbox<String> later = new Inbox<>();
        connect().subscribe(topic, "g", String.class, later);
        later.awaitIds(ids, timeout());
    }

    @Test
    void a_work_queue_keeps_jobs_submitted_before_any_worker() {
        MessageBus producer = connect();
        WorkQueue<String> jobs = producer.workQueue(name("jobs"), String.class);
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 10; i++) {
            ids.add(await(jobs.submit("job" + i)).id());
        }

        Inbox<String> worker = new Inbox<>();
        connect().workQueue(name("jobs"), String.class).work(worker);
        worker.awaitIds(ids, timeout());
    }

    @Test
    void each_job_goes_to_exactly_one_worker() {
        String queue = name("shared");
        Map<String, AtomicInteger> handled = new ConcurrentHashMap<>();
        Inbox<String> one = new Inbox<>(m -> handled.computeIfAbsent(m.id(), id -> new AtomicInteger()).incrementAndGet());
        Inbox<String> two = new Inbox<>(m -> handled.computeIfAbsent(m.id(), id -> new AtomicInteger()).incrementAndGet());
        connect().workQueue(queue, String.class).work(one, ConsumerOptions.concurrency(2));
        connect().workQueue(queue, String.class).work(two, ConsumerOptions.concurrency(2));

        WorkQueue<String> jobs = connect().workQueue(queue, String.class);
        List<CompletableFuture<PublishReceipt>> stages = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            stages.add(jobs.submit("job" + i).toCompletableFuture());
        }
        Set<String> ids = new HashSet<>();
        stages.forEach(stage -> ids.add(await(stage).id()));

        one.awaitUntil(any -> handled.keySet().containsAll(ids), timeout(), "every job handled");
        handled.forEach((id, count) -> assertEquals(1, count.get(), "job " + id + " handled once"));
    }

    // 3. At-least-once ---------------------------------------------------------------------------

    @Test
    void a_failed_handler_gets_the_message_again_until_it_succeeds() {
        MessageBus bus = connect();
        String topic = name("flaky");
        AtomicInteger calls = new AtomicInteger();
        Inbox<String> inbox = new Inbox<>(m -> {
            if (calls.incrementAndGet() < 3) {
                throw new IllegalStateException("transient failure " + calls.get());
            }
        });
        bus.subscribe(topic, "g", String.class, inbox, quickRetry(5));

        String id = await(bus.publish(topic, "payload")).id();

        List<Message<String>> attempts = inbox.awaitCount(3, timeout());
        assertTrue(attempts.stream().allMatch(m -> m.id().equals(id)));
        assertEquals(List.of(1, 2, 3), attempts.stream().map(Message::attempt).toList());
    }

    @Test
    void a_message_not_acked_before_close_is_redelivered() {
        String topic = name("unacked");
        CountDownLatch started = new CountDownLatch(1);
        Inbox<String> stuck = new Inbox<>(m -> {
            started.countDown();
            new CountDownLatch(1).await(); // never finishes on its own; interrupted by close
        });
        Subscription first = connect().subscribe(topic, "g", String.class, stuck,
                ConsumerOptions.defaults().withShutdownTimeout(Duration.ofMillis(200)));
        String id = await(connect().publish(topic, "hold")).id();
        awaitLatch(started);

        first.close();

        Inbox<String> second = new Inbox<>();
        connect().subscribe(topic, "g", String.class, second);
        assertEquals(id, second.awaitCount(1, timeout()).get(0).id());
    }

    @Test
    void closing_a_whole_bus_gives_its_held_messages_to_another_member_before_any_ack_deadline() {
        String topic = name("bus-close");
        CountDownLatch holding = new CountDownLatch(1);
        MessageBus leaving = connect();
        leaving.subscribe(topic, "g", String.class, m -> {
            holding.countDown();
            new CountDownLatch(1).await(); // held until the bus closes and interrupts the handler
        }, ConsumerOptions.concurrency(4).withShutdownTimeout(Duration.ofMillis(200)));
        Inbox<String> staying = new Inbox<>();
        connect().subscribe(topic, "g", String.class, staying);
        MessageBus publisher = connect();
        Set<String> ids = new HashSet<>();
        // Eight messages, then more until the leaving member holds one: a broker that hands a whole
        // batch to whichever member polls first (SQS) may give the first eight to the staying member
        for (int i = 0; i < 8 || (holding.getCount() > 0 && i < 200); i++) {
            ids.add(await(publisher.publish(OutgoingMessage.of(topic, "m" + i).withKey("k" + i))).id());
        }
        awaitLatch(holding);

        long closedAt = System.nanoTime();
        leaving.close();

        // 20 s: well under the ack deadlines a broker would otherwise wait out (NATS ackWait 30 s,
        // Kafka session timeout 45 s), so only a bus close that gives messages back passes
        staying.awaitIds(ids, Duration.ofSeconds(20));
        System.out.printf("bus close: the other member had every held message %d ms after close began%n",
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - closedAt));
    }

    @Test
    void nothing_acked_is_redelivered_after_a_clean_close() {
        String topic = name("acked");
        Inbox<String> first = new Inbox<>();
        Subscription subscription = connect().subscribe(topic, "g", String.class, first);
        MessageBus publisher = connect();
        List<CompletableFuture<PublishReceipt>> stages = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            stages.add(publisher.publish(OutgoingMessage.of(topic, "m" + i).withKey("one-key")).toCompletableFuture());
        }
        Set<String> ids = new HashSet<>();
        stages.forEach(stage -> ids.add(await(stage).id()));
        first.awaitIds(ids, timeout());
        subscription.close();

        Inbox<String> second = new Inbox<>();
        connect().subscribe(topic, "g", String.class, second);
        String marker = await(publisher.publish(OutgoingMessage.of(topic, "marker").withKey("one-key"))).id();
        second.awaitMessage(m -> m.id().equals(marker), timeout(), "the marker");

        assertEquals(List.of("marker"), second.payloads(), "nothing acked before the close came back");
    }

    // 4. Retry then dead-letter --------------------------------------------------------------------

    @Test
    void retries_honour_the_attempt_count_and_the_backoff() {
        MessageBus bus = connect();
        String topic = name("backoff");
        List<Long> startedAt = new CopyOnWriteArrayList<>();
        Inbox<String> inbox = new Inbox<>(m -> {
            startedAt.add(System.nanoTime());
            throw new IllegalStateException("always fails");
        });
        Inbox<String> deadLetters = new Inbox<>();
        Subscription subscription = bus.subscribe(topic, "g", String.class, inbox, ConsumerOptions.defaults()
                .withRetry(RetryPolicy.exponential(3, Duration.ofMillis(200), Duration.ofSeconds(1))));
        bus.workQueue(subscription.deadLetterQueue(), String.class).work(deadLetters);

        await(bus.publish(topic, "doomed"));
        deadLetters.awaitCount(1, timeout());

        assertEquals(List.of(1, 2, 3), inbox.messages().stream().map(Message::attempt).toList());
        long firstGap = TimeUnit.NANOSECONDS.toMillis(startedAt.get(1) - startedAt.get(0));
        long secondGap = TimeUnit.NANOSECONDS.toMillis(startedAt.get(2) - startedAt.get(1));
        assertTrue(firstGap >= 200, "first backoff at least 200 ms, was " + firstGap);
        assertTrue(secondGap >= 400, "second backoff at least 400 ms (doubled), was " + secondGap);
        assertEquals("3", deadLetters.messages().get(0).headers().get(DeadLetterHeaders.ATTEMPTS));
    }

    @Test
    void a_retrying_key_does_not_hold_up_other_keys() {
        MessageBus bus = connect();
        String topic = name("nohol");
        List<String> events = new CopyOnWriteArrayList<>();
        AtomicBoolean failedOnce = new AtomicBoolean();
        Inbox<String> inbox = new Inbox<>(m -> {
            if (m.payload().equals("slow") && failedOnce.compareAndSet(false, true)) {
                events.add("slow-failed");
                throw new IllegalStateException("first attempt fails");
            }
            events.add(m.payload());
        });
        bus.subscribe(topic, "g", String.class, inbox, ConsumerOptions.concurrency(1)
                .withRetry(RetryPolicy.exponential(3, Duration.ofSeconds(2), Duration.ofSeconds(2))));

        await(bus.publish(OutgoingMessage.of(topic, "slow").withKey("a")));
        for (int i = 0; i < 5; i++) {
            await(bus.publish(OutgoingMessage.of(topic, "other" + i).withKey("b" + i)));
        }
        inbox.awaitUntil(all -> events.contains("slow"), timeout(), "the retried message to succeed");

        int slowDone = events.indexOf("slow");
        for (int i = 0; i < 5; i++) {
            int other = events.indexOf("other" + i);
            assertTrue(other >= 0 && other < slowDone, "other" + i + " handled while key a waited: " + events);
        }
    }

    @Test
    void a_later_message_with_the_same_key_waits_behind_a_retrying_one() {
        MessageBus bus = connect();
        String topic = name("samekey");
        List<String> events = new CopyOnWriteArrayList<>();
        AtomicBoolean failedOnce = new AtomicBoolean();
        Inbox<String> inbox = new Inbox<>(m -> {
            if (m.payload().equals("first") && failedOnce.compareAndSet(false, true)) {
                events.add("first-failed");
                throw new IllegalStateException("first attempt fails");
            }
            events.add(m.payload());
        });
        bus.subscribe(topic, "g", String.class, inbox, ConsumerOptions.concurrency(4)
                .withRetry(RetryPolicy.exponential(3, Duration.ofMillis(300), Duration.ofMillis(300))));

        await(bus.publish(OutgoingMessage.of(topic, "first").withKey("k")));
        await(bus.publish(OutgoingMessage.of(topic, "second").withKey("k")));
        inbox.awaitUntil(all -> events.contains("second"), timeout(), "the second message");

        assertEquals(List.of("first-failed", "first", "second"), events);
    }

    @Test
    void a_message_whose_attempts_run_out_is_dead_lettered_with_the_error_headers() {
        MessageBus bus = connect();
        String topic = name("dlq");
        Inbox<String> failing = new Inbox<>(m -> {
            throw new IllegalArgumentException("cannot handle " + m.payload());
        });
        Subscription subscription = bus.subscribe(topic, "billing", String.class, failing, quickRetry(2));
        assertEquals(topic + ".billing.dlq", subscription.deadLetterQueue());
        Inbox<String> deadLetters = new Inbox<>();
        bus.workQueue(subscription.deadLetterQueue(), String.class).work(deadLetters);

        PublishReceipt receipt = await(bus.publish(OutgoingMessage.of(topic, "poison").withKey("k1")
                .withHeader("tenant", "acme")));

        Message<String> letter = deadLetters.awaitCount(1, timeout()).get(0);
        assertEquals("poison", letter.payload());
        assertEquals(receipt.id(), letter.id());
        assertEquals("k1", letter.key());
        assertEquals("acme", letter.headers().get("tenant"));
        assertEquals(IllegalArgumentException.class.getName(), letter.headers().get(DeadLetterHeaders.ERROR_CLASS));
        assertEquals("cannot handle poison", letter.headers().get(DeadLetterHeaders.ERROR_MESSAGE));
        assertEquals("2", letter.headers().get(DeadLetterHeaders.ATTEMPTS));
        assertEquals(topic, letter.headers().get(DeadLetterHeaders.ORIGINAL_TOPIC));
        assertEquals("billing", letter.headers().get(DeadLetterHeaders.GROUP));
        assertEquals(2, failing.messages().size());
    }

    @Test
    void a_handler_that_throws_an_error_uses_up_its_attempts_and_is_dead_lettered() {
        MessageBus bus = connect();
        String topic = name("error");
        Inbox<String> failing = new Inbox<>(m -> {
            if (m.payload().equals("assert")) {
                throw new AssertionError("expected 1 but was 2");
            }
            throw new StackOverflowError("deep");
        });
        Subscription subscription = bus.subscribe(topic, "g", String.class, failing, quickRetry(3));
        Inbox<String> deadLetters = new Inbox<>();
        bus.workQueue(subscription.deadLetterQueue(), String.class).work(deadLetters);

        await(bus.publish(OutgoingMessage.of(topic, "assert").withKey("k")));
        await(bus.publish(OutgoingMessage.of(topic, "overflow").withKey("k")));

        List<Message<String>> letters = deadLetters.awaitCount(2, timeout());
        Map<String, String> errorByPayload = new LinkedHashMap<>();
        letters.forEach(l -> errorByPayload.put(l.payload(), l.headers().get(DeadLetterHeaders.ERROR_CLASS)));
        assertEquals(Map.of("assert", AssertionError.class.getName(), "overflow", StackOverflowError.class.getName()),
                errorByPayload);
        letters.forEach(l -> assertEquals("3", l.headers().get(DeadLetterHeaders.ATTEMPTS)));
        assertEquals(6, failing.messages().size(), "three attempts each, then no more");
        deadLetters.awaitUntil(any -> subscription.inFlight() == 0, timeout(), "the key's in-flight slots freed");
    }

    @Test
    void a_middleware_that_throws_an_error_is_dead_lettered_like_a_failing_handler() {
        MessageBus bus = connect();
        String topic = name("mw-error");
        Inbox<String> never = new Inbox<>();
        Subscription subscription = bus.subscribe(topic, "g", String.class, never, quickRetry(2)
                .withMiddleware((message, next) -> {
                    throw new NoClassDefFoundError("com/example/Missing");
                }));
        Inbox<String> deadLetters = new Inbox<>();
        bus.workQueue(subscription.deadLetterQueue(), String.class).work(deadLetters);

        await(bus.publish(topic, "x"));

        Message<String> letter = deadLetters.awaitCount(1, timeout()).get(0);
        assertEquals(NoClassDefFoundError.class.getName(), letter.headers().get(DeadLetterHeaders.ERROR_CLASS));
        assertTrue(never.messages().isEmpty());
    }

    @Test
    void the_original_is_acked_once_its_dead_letter_is_confirmed() {
        String topic = name("dlqack");
        Inbox<String> failing = new Inbox<>(m -> {
            if (m.payload().equals("poison")) {
                throw new IllegalStateException("poison");
            }
        });
        MessageBus bus = connect();
        Subscription subscription = bus.subscribe(topic, "g", String.class, failing, quickRetry(1));
        Inbox<String> deadLetters = new Inbox<>();
        bus.workQueue(subscription.deadLetterQueue(), String.class).work(deadLetters);
        await(bus.publish(OutgoingMessage.of(topic, "poison").withKey("k")));
        deadLetters.awaitCount(1, timeout());
        subscription.close();

        Inbox<String> again = new Inbox<>();
        connect().subscribe(topic, "g", String.class, again);
        String marker = await(bus.publish(OutgoingMessage.of(topic, "marker").withKey("k"))).id();
        again.awaitMessage(m -> m.id().equals(marker), timeout(), "the marker");

        assertEquals(List.of("marker"), again.payloads(), "the dead-lettered message was acked");
    }

    @Test
    void an_undecodable_payload_is_dead_lettered_at_once_without_retry() {
        MessageBus bus = connect();
        String topic = name("undecodable");
        Inbox<Greeting> handler = new Inbox<>();
        Subscription subscription = bus.subscribe(topic, "g", Greeting.class, handler, quickRetry(5));
        Inbox<byte[]> deadLetters = new Inbox<>();
        bus.workQueue(subscription.deadLetterQueue(), byte[].class).work(deadLetters);

        byte[] garbage = "{not json".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        await(bus.publish(topic, garbage));

        Message<byte[]> letter = deadLetters.awaitCount(1, timeout()).get(0);
        assertArrayEquals(garbage, letter.payload());
        assertEquals(DecodingException.class.getName(), letter.headers().get(DeadLetterHeaders.ERROR_CLASS));
        assertEquals("1", letter.headers().get(DeadLetterHeaders.ATTEMPTS));
        assertTrue(letter.headers().get(DeadLetterHeaders.ERROR_MESSAGE).contains(Greeting.class.getName()),
                "the reason names the target type: " + letter.headers().get(DeadLetterHeaders.ERROR_MESSAGE));
        assertTrue(handler.messages().isEmpty(), "the handler never saw it");
    }

    @Test
    void a_failing_job_is_dead_lettered_to_the_queue_dead_letter_queue() {
        MessageBus bus = connect();
        String queue = name("work");
        WorkQueue<String> jobs = bus.workQueue(queue, String.class);
        Subscription workers = jobs.work(m -> {
            throw new IllegalStateException("render failed");
        }, quickRetry(2));
        assertEquals(queue + ".dlq", workers.deadLetterQueue());
        Inbox<String> deadLetters = new Inbox<>();
        bus.workQueue(workers.deadLetterQueue(), String.class).work(deadLetters);

        await(jobs.submit("img-1.png"));

        Message<String> letter = deadLetters.awaitCount(1, timeout()).get(0);
        assertEquals("img-1.png", letter.payload());
        assertEquals(queue, letter.headers().get(DeadLetterHeaders.ORIGINAL_TOPIC));
        assertFalse(letter.headers().containsKey(DeadLetterHeaders.GROUP));
        assertEquals("render failed", letter.headers().get(DeadLetterHeaders.ERROR_MESSAGE));
    }

    @Test
    void dead_letters_are_kept_until_someone_reads_them() {
        MessageBus bus = connect();
        String topic = name("keepdlq");
        Subscription subscription = bus.subscribe(topic, "g", String.class, m -> {
            throw new IllegalStateException("no");
        }, quickRetry(1));
        Inbox<String> nobody = new Inbox<>();
        await(bus.publish(topic, "lost?"));
        // nobody reads the dead-letter queue yet; wait until the original was settled
        nobody.awaitUntil(any -> subscription.inFlight() == 0, timeout(), "the original to be settled");

        Inbox<String> deadLetters = new Inbox<>();
        connect().workQueue(subscription.deadLetterQueue(), String.class).work(deadLetters);
        assertEquals("lost?", deadLetters.awaitCount(1, timeout()).get(0).payload());
    }

    @Test
    void a_message_of_an_unrouted_type_is_dead_lettered_at_once_naming_its_type() {
        MessageBus bus = connect();
        String topic = name("unrouted");
        Inbox<OrderPlaced> placed = new Inbox<>();
        Subscription subscription = bus.subscribe(topic, "billing", TypeRoutes.of(OrderPlaced.class, placed), quickRetry(3));
        Inbox<byte[]> deadLetters = new Inbox<>();
        bus.workQueue(subscription.deadLetterQueue(), byte[].class).work(deadLetters);

        PublishReceipt receipt = await(bus.publish(OutgoingMessage.of(topic, new OrderCancelled("o1", "changed mind"))
                .withKey("o1")));

        Message<byte[]> letter = deadLetters.awaitCount(1, timeout()).get(0);
        assertEquals(receipt.id(), letter.id());
        assertEquals("ConformanceSuite.OrderCancelled", letter.type());
        assertEquals(UnroutedTypeException.class.getName(), letter.headers().get(DeadLetterHeaders.ERROR_CLASS));
        assertTrue(letter.headers().get(DeadLetterHeaders.ERROR_MESSAGE).contains("'ConformanceSuite.OrderCancelled'"),
                letter.headers().get(DeadLetterHeaders.ERROR_MESSAGE));
        assertEquals("1", letter.headers().get(DeadLetterHeaders.ATTEMPTS));
        assertTrue(placed.messages().isEmpty());
    }

    @Test
    void a_message_of_an_unrouted_type_is_acknowledged_when_the_subscription_chooses_so() {
        List<String> succeeded = new CopyOnWriteArrayList<>();
        List<String> deadLettered = new CopyOnWriteArrayList<>();
        MessageBus bus = connect(url(), busOptions().withListener(new BusListener() {
            @Override
            public void handled(Route route, Message<byte[]> message, Duration duration, Throwable failure) {
                if (failure == null) {
                    succeeded.add(message.id());
                }
            }

            @Override
            public void deadLettered(Route route, Message<byte[]> message, Throwable cause) {
                deadLettered.add(message.id());
            }
        }));
        String topic = name("unroutedack");
        Inbox<OrderPlaced> placed = new Inbox<>();
        bus.subscribe(topic, "shipping", TypeRoutes.of(OrderPlaced.class, placed).otherwise(TypeRoutes.Unrouted.ACK));

        String unrouted = await(bus.publish(OutgoingMessage.of(topic, new OrderCancelled("o1", "x")).withKey("o1"))).id();
        await(bus.publish(OutgoingMessage.of(topic, new OrderPlaced("o1", 100)).withKey("o1")));

        // one key: the second message starts only once the first was settled
        assertEquals(new OrderPlaced("o1", 100), placed.awaitCount(1, timeout()).get(0).payload());
        assertTrue(succeeded.contains(unrouted), "the unrouted message was handled without failure: " + succeeded);
        assertEquals(List.of(), deadLettered);
    }

    @Test
    void a_dead_letter_keeps_its_event_type() {
        MessageBus bus = connect();
        String topic = name("typeddlq");
        Subscription subscription = bus.subscribe(topic, "billing", TypeRoutes.of(OrderPlaced.class, m -> {
            throw new IllegalStateException("cannot bill " + m.payload().orderId());
        }), quickRetry(1));
        Inbox<OrderPlaced> deadLetters = new Inbox<>();
        bus.workQueue(subscription.deadLetterQueue(), OrderPlaced.class).work(deadLetters);

        await(bus.publish(OutgoingMessage.of(topic, new OrderPlaced("o7", 700)).withKey("o7")));

        Message<OrderPlaced> letter = deadLetters.awaitCount(1, timeout()).get(0);
        assertEquals("ConformanceSuite.OrderPlaced", letter.type());
        assertEquals(new OrderPlaced("o7", 700), letter.payload());
        assertEquals("cannot bill o7", letter.headers().get(DeadLetterHeaders.ERROR_MESSAGE));
    }

    // 5. Ordering ----------------------------------------------------------------------------------

    @Test
    void messages_with_one_key_arrive_in_publish_order_with_eight_concurrent_handlers() {
        MessageBus bus = connect();
        String topic = name("order");
        Map<String, List<Integer>> seen = new ConcurrentHashMap<>();
        AtomicInteger concurrent = new AtomicInteger();
        AtomicInteger maxConcurrent = new AtomicInteger();
        Inbox<String> inbox = new Inbox<>(m -> {
            int now = concurrent.incrementAndGet();
            maxConcurrent.accumulateAndGet(now, Math::max);
            LockSupport.parkNanos(ThreadLocalRandom.current().nextInt(200_000)); // simulated work
            String[] parts = m.payload().split(":");
            seen.computeIfAbsent(parts[0], k -> Collections.synchronizedList(new ArrayList<>())).add(Integer.parseInt(parts[1]));
            concurrent.decrementAndGet();
        });
        bus.subscribe(topic, "g", String.class, inbox, ConsumerOptions.concurrency(8));

        int keys = 10;
        int perKey = 50;
        List<CompletableFuture<PublishReceipt>> stages = new ArrayList<>();
        for (int i = 0; i < perKey; i++) {
            for (int k = 0; k < keys; k++) {
                stages.add(bus.publish(OutgoingMessage.of(topic, "key" + k + ":" + i).withKey("key" + k)).toCompletableFuture());
            }
        }
        stages.forEach(ConformanceSuite::await);
        // the inbox records a message before the behaviour above runs, so wait for the behaviour
        inbox.awaitUntil(any -> seen.values().stream().mapToInt(List::size).sum() == keys * perKey,
                timeout(), "every handler to finish");

        for (int k = 0; k < keys; k++) {
            List<Integer> order = seen.get("key" + k);
            List<Integer> sorted = new ArrayList<>(order);
            Collections.sort(sorted);
            assertEquals(sorted, order, "key" + k + " in publish order");
        }
        assertTrue(maxConcurrent.get() <= 8, "at most 8 handlers at once, saw " + maxConcurrent.get());
    }

    @Test
    void one_keys_events_of_several_types_arrive_in_publish_order() {
        MessageBus bus = connect();
        String topic = name("typeorder");
        Map<String, List<String>> seen = new ConcurrentHashMap<>();
        AtomicInteger handled = new AtomicInteger();
        Inbox<OrderPlaced> placed = new Inbox<>(m -> {
            LockSupport.parkNanos(ThreadLocalRandom.current().nextInt(500_000)); // simulated work
            seen.computeIfAbsent(m.payload().orderId(), k -> Collections.synchronizedList(new ArrayList<>())).add("placed");
            handled.incrementAndGet();
        });
        Inbox<OrderCancelled> cancelled = new Inbox<>(m -> {
            seen.computeIfAbsent(m.payload().orderId(), k -> Collections.synchronizedList(new ArrayList<>())).add("cancelled");
            handled.incrementAndGet();
        });
        bus.subscribe(topic, "g", TypeRoutes.of(OrderPlaced.class, placed).and(OrderCancelled.class, cancelled),
                ConsumerOptions.concurrency(8));

        int orders = 30;
        List<CompletableFuture<PublishReceipt>> stages = new ArrayList<>();
        for (int i = 0; i < orders; i++) {
            String order = "order-" + i;
            stages.add(bus.publish(OutgoingMessage.of(topic, new OrderPlaced(order, i)).withKey(order)).toCompletableFuture());
            stages.add(bus.publish(OutgoingMessage.of(topic, new OrderCancelled(order, "r" + i)).withKey(order)).toCompletableFuture());
        }
        stages.forEach(ConformanceSuite::await);
        placed.awaitUntil(any -> handled.get() == 2 * orders, timeout(), "every handler to finish");

        for (int i = 0; i < orders; i++) {
            assertEquals(List.of("placed", "cancelled"), seen.get("order-" + i), "order-" + i + " in publish order");
        }
    }

    // 6. Round trip --------------------------------------------------------------------------------

    @Test
    void id_key_headers_content_type_and_timestamp_arrive_unchanged() {
        MessageBus bus = connect();
        String topic = name("roundtrip");
        Inbox<String> inbox = new Inbox<>();
        bus.subscribe(topic, "g", String.class, inbox);
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("tenant", "acme");
        headers.put("empty", "");
        headers.put("trace-id", "4bf92f3577b34da6a3ce929d0e0e4736");

        PublishReceipt receipt = await(bus.publish(OutgoingMessage.of(topic, "hello").withKey("user-42")
                .withHeaders(headers).withId("my-id-1")));

        Message<String> message = inbox.awaitCount(1, timeout()).get(0);
        assertEquals("my-id-1", message.id());
        assertEquals("my-id-1", receipt.id());
        assertEquals(topic, message.topic());
        assertEquals("user-42", message.key());
        assertEquals(headers, message.headers());
        assertEquals("hello", message.payload());
        assertEquals("text/plain; charset=utf-8", message.contentType());
        assertEquals(receipt.timestamp(), message.timestamp());
        assertEquals(1, message.attempt());
    }

    @Test
    void a_message_without_key_arrives_without_key() {
        MessageBus bus = connect();
        String topic = name("nokey");
        Inbox<String> inbox = new Inbox<>();
        bus.subscribe(topic, "g", String.class, inbox);
        await(bus.publish(topic, "x"));
        assertNull(inbox.awaitCount(1, timeout()).get(0).key());
    }

    @Test
    void unicode_header_values_and_text_arrive_unchanged() {
        MessageBus bus = connect();
        String topic = name("unicode");
        Inbox<String> inbox = new Inbox<>();
        bus.subscribe(topic, "g", String.class, inbox);
        String text = "Grüße, 世界! 👋 ñ";

        await(bus.publish(OutgoingMessage.of(topic, text).withHeader("greeting", text).withKey("ключ")));

        Message<String> message = inbox.awaitCount(1, timeout()).get(0);
        assertEquals(text, message.payload());
        assertEquals(text, message.headers().get("greeting"));
        assertEquals("ключ", message.key());
    }

    @Test
    void an_empty_payload_arrives_empty() {
        MessageBus bus = connect();
        String topic = name("empty");
        Inbox<byte[]> inbox = new Inbox<>();
        bus.subscribe(topic, "g", byte[].class, inbox);
        await(bus.publish(topic, new byte[0]));
        Message<byte[]> message = inbox.awaitCount(1, timeout()).get(0);
        assertEquals(0, message.payload().length);
        assertEquals("application/octet-stream", message.contentType());
    }

    @Test
    void every_byte_value_of_a_binary_payload_arrives_unchanged() {
        MessageBus bus = connect();
        String topic = name("binary");
        Inbox<byte[]> inbox = new Inbox<>();
        bus.subscribe(topic, "g", byte[].class, inbox);
        byte[] payload = new byte[4096];
        for (int i = 0; i < payload.length; i++) {
            payload[i] = (byte) (i * 31);
        }
        await(bus.publish(topic, payload));
        assertArrayEquals(payload, inbox.awaitCount(1, timeout()).get(0).payload());
    }

    @Test
    void a_json_record_with_java_time_fields_arrives_equal() {
        MessageBus bus = connect();
        String topic = name("json");
        Inbox<Greeting> inbox = new Inbox<>();
        bus.subscribe(topic, "g", Greeting.class, inbox);
        Greeting greeting = new Greeting("hi", 7, Instant.parse("2026-11-24T12:00:00.123Z"), List.of("a", "b"));

        await(bus.publish(topic, greeting));

        Message<Greeting> message = inbox.awaitCount(1, timeout()).get(0);
        assertEquals(greeting, message.payload());
        assertEquals("application/json", message.contentType());
    }

    // Load ------------------------------------------------------------------------------------------

    @Test
    void twenty_concurrent_publishers_of_five_hundred_messages_lose_nothing() throws Exception {
        MessageBus bus = connect();
        String topic = name("load");
        Inbox<String> inbox = new Inbox<>();
        bus.subscribe(topic, "g", String.class, inbox, ConsumerOptions.concurrency(4).withMaxInFlight(256));

        ExecutorService publishers = Executors.newFixedThreadPool(20);
        try {
            List<Future<Set<String>>> results = new ArrayList<>();
            for (int p = 0; p < 20; p++) {
                int publisher = p;
                results.add(publishers.submit(() -> {
                    List<CompletableFuture<PublishReceipt>> stages = new ArrayList<>();
                    for (int i = 0; i < 500; i++) {
                        stages.add(bus.publish(OutgoingMessage.of(topic, "p" + publisher + "-" + i)
                                .withKey("p" + publisher)).toCompletableFuture());
                    }
                    Set<String> ids = new HashSet<>();
                    stages.forEach(stage -> ids.add(await(stage).id()));
                    return ids;
                }));
            }
            Set<String> all = new HashSet<>();
            for (Future<Set<String>> result : results) {
                all.addAll(result.get(2, TimeUnit.MINUTES));
            }
            assertEquals(10_000, all.size());
            inbox.awaitIds(all, timeout().multipliedBy(2));
        } finally {
            publishers.shutdownNow();
        }
    }

    @Test
    void members_joining_and_leaving_while_a_stream_flows_lose_nothing() throws Exception {
        String topic = name("churn");
        Inbox<String> inbox = new Inbox<>();
        MessageBus consumers = connect();
        Subscription current = consumers.subscribe(topic, "g", String.class, inbox);
        MessageBus publisher = connect();
        Set<String> published = ConcurrentHashMap.newKeySet();
        CompletableFuture<Void> stream = CompletableFuture.runAsync(() -> {
            for (int batch = 0; batch < 40; batch++) {
                List<CompletableFuture<PublishReceipt>> stages = new ArrayList<>();
                for (int i = 0; i < 25; i++) {
                    stages.add(publisher.publish(topic, "b" + batch + "-" + i).toCompletableFuture());
                }
                stages.forEach(stage -> published.add(await(stage).id()));
            }
        });

        for (int cycle = 0; cycle < 6 && !stream.isDone(); cycle++) {
            Subscription next = consumers.subscribe(topic, "g", String.class, inbox);
            int target = published.size() + 50;
            inbox.awaitUntil(all -> all.size() >= Math.min(target, 1000) || stream.isDone(), timeout(), "progress");
            current.close();
            current = next;
        }
        stream.get(2, TimeUnit.MINUTES);

        assertEquals(1000, published.size());
        inbox.awaitIds(published, timeout());
    }

    @Test
    void events_of_several_types_on_one_topic_reach_their_handlers_with_their_types() {
        MessageBus bus = connect();
        String topic = name("types");
        Inbox<OrderPlaced> placed = new Inbox<>();
        Inbox<OrderCancelled> cancelled = new Inbox<>();
        Inbox<OrderShipped> shipped = new Inbox<>();
        Inbox<String> notes = new Inbox<>();
        bus.subscribe(topic, "g", TypeRoutes.of(OrderPlaced.class, placed).and(OrderCancelled.class, cancelled)
                .and(OrderShipped.class, shipped).and("order.note", String.class, notes));

        await(bus.publish(topic, new OrderPlaced("o1", 500)));
        await(bus.publish(topic, new OrderCancelled("o2", "changed mind")));
        await(bus.publish(topic, new OrderShipped("o3")));
        await(bus.publish(OutgoingMessage.of(topic, "gift wrap").withType("order.note")));

        Message<OrderPlaced> first = placed.awaitCount(1, timeout()).get(0);
        Message<OrderCancelled> second = cancelled.awaitCount(1, timeout()).get(0);
        Message<OrderShipped> third = shipped.awaitCount(1, timeout()).get(0);
        Message<String> fourth = notes.awaitCount(1, timeout()).get(0);
        assertEquals(new OrderPlaced("o1", 500), first.payload());
        assertEquals("ConformanceSuite.OrderPlaced", first.type());
        assertEquals(new OrderCancelled("o2", "changed mind"), second.payload());
        assertEquals("ConformanceSuite.OrderCancelled", second.type());
        assertEquals(new OrderShipped("o3"), third.payload());
        assertEquals("conformance.order.shipped", third.type());
        assertEquals("gift wrap", fourth.payload());
        assertEquals("order.note", fourth.type());
        assertEquals(List.of(1, 1, 1, 1), List.of(placed.messages().size(), cancelled.messages().size(),
                shipped.messages().size(), notes.messages().size()));
    }

    @Test
    void a_message_published_without_a_type_arrives_without_one() {
        MessageBus bus = connect();
        String topic = name("untyped");
        Inbox<String> inbox = new Inbox<>();
        bus.subscribe(topic, "g", String.class, inbox);

        await(bus.publish(topic, "plain"));

        assertNull(inbox.awaitCount(1, timeout()).get(0).type());
    }

    // 7. Validation ---------------------------------------------------------------------------------

    @Test
    void invalid_names_are_rejected_before_any_io_naming_the_value() {
        MessageBus bus = connect();
        for (String bad : List.of("has space", "slash/", "star*", "gt>", "", "ümlaut", "..", "tab\t")) {
            IllegalArgumentException topic = assertThrows(IllegalArgumentException.class, () -> bus.publish(bad, "x"));
            assertTrue(topic.getMessage().contains("topic"), topic.getMessage());
            IllegalArgumentException group = assertThrows(IllegalArgumentException.class,
                    () -> bus.subscribe(name("ok"), bad, String.class, m -> { }));
            assertTrue(group.getMessage().contains("group"), group.getMessage());
            IllegalArgumentException queue = assertThrows(IllegalArgumentException.class,
                    () -> bus.workQueue(bad, String.class));
            assertTrue(queue.getMessage().contains("queue"), queue.getMessage());
        }
        IllegalArgumentException slash = assertThrows(IllegalArgumentException.class, () -> bus.publish("a/b", "x"));
        assertTrue(slash.getMessage().contains("'a/b'"), slash.getMessage());
    }

    @Test
    void names_longer_than_the_limits_are_rejected() {
        MessageBus bus = connect();
        String topic121 = "t".repeat(121);
        String group101 = "g".repeat(101);
        IllegalArgumentException topic = assertThrows(IllegalArgumentException.class, () -> bus.publish(topic121, "x"));
        assertTrue(topic.getMessage().contains("120"), topic.getMessage());
        IllegalArgumentException group = assertThrows(IllegalArgumentException.class,
                () -> bus.subscribe(name("ok"), group101, String.class, m -> { }));
        assertTrue(group.getMessage().contains("100"), group.getMessage());
        assertThrows(IllegalArgumentException.class, () -> bus.workQueue("q".repeat(121), String.class));
    }

    @Test
    void names_at_the_limits_work_on_the_broker() {
        MessageBus bus = connect();
        String topic = (name("long") + "-").concat("x".repeat(120)).substring(0, 120);
        String group = "g".repeat(100);
        Subscription subscription = bus.subscribe(topic, group, String.class, m -> {
            throw new IllegalStateException("to the longest dead-letter queue");
        }, quickRetry(1));
        Inbox<String> deadLetters = new Inbox<>();
        bus.workQueue(subscription.deadLetterQueue(), String.class).work(deadLetters);
        await(bus.publish(topic, "long"));
        assertEquals("long", deadLetters.awaitCount(1, timeout()).get(0).payload());
    }

    @Test
    void invalid_header_names_and_values_are_rejected_before_any_io() {
        MessageBus bus = connect();
        String topic = name("headers");
        for (String badName : List.of("", "with space", "colon:", "new\nline", "ü", "x".repeat(129))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> bus.publish(OutgoingMessage.of(topic, "x").withHeader(badName, "v")));
            assertTrue(e.getMessage().contains("header name"), e.getMessage());
        }
        IllegalArgumentException control = assertThrows(IllegalArgumentException.class,
                () -> bus.publish(OutgoingMessage.of(topic, "x").withHeader("h", "line\r\nbreak")));
        assertTrue(control.getMessage().contains("\\u000d"), control.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> bus.publish(OutgoingMessage.of(topic, "x").withHeader("h", "v".repeat(8193))));
    }

    @Test
    void reserved_header_names_are_rejected_before_any_io() {
        MessageBus bus = connect();
        String topic = name("reserved");
        for (String reserved : List.of("courier-key", "ce_id", "ce-type", "cloudEvents_source", "Nats-Msg-Id",
                "content-type", "CC")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> bus.publish(OutgoingMessage.of(topic, "x").withHeader(reserved, "v")), reserved);
            assertTrue(e.getMessage().contains("reserved"), e.getMessage());
        }
    }

    @Test
    void null_arguments_are_rejected_naming_the_parameter() {
        MessageBus bus = connect();
        assertEquals("payload", assertThrows(NullPointerException.class, () -> bus.publish(name("t"), null)).getMessage());
        assertEquals("topic", assertThrows(NullPointerException.class, () -> bus.publish(null, "x")).getMessage());
        assertEquals("handler", assertThrows(NullPointerException.class,
                () -> bus.subscribe(name("t"), "g", String.class, null)).getMessage());
        assertEquals("type", assertThrows(NullPointerException.class,
                () -> bus.subscribe(name("t"), "g", null, m -> { })).getMessage());
    }

    @Test
    void a_payload_that_cannot_be_encoded_fails_the_publish_and_sends_nothing() {
        MessageBus bus = connect();
        String topic = name("unencodable");
        Inbox<byte[]> inbox = new Inbox<>();
        bus.subscribe(topic, "g", byte[].class, inbox);

        CompletionException failure = assertThrows(CompletionException.class,
                () -> bus.publish(OutgoingMessage.of(topic, new Object()).withKey("k")).toCompletableFuture().join());

        PublishException cause = assertInstanceOf(PublishException.class, failure.getCause());
        assertTrue(cause.getMessage().contains("java.lang.Object"), cause.getMessage());
        assertNotNull(cause.getCause());
        String marker = await(bus.publish(OutgoingMessage.of(topic, "marker").withKey("k"))).id();
        inbox.awaitMessage(m -> m.id().equals(marker), timeout(), "the marker");
        assertEquals(1, inbox.messages().size(), "nothing was sent for the failed publish");
    }

    @Test
    void a_message_over_the_broker_limit_is_refused_before_sending() {
        MessageBus bus = connect();
        String topic = name("oversized");
        byte[] big = new byte[oversizedPayloadBytes()];
        CompletionException failure = assertThrows(CompletionException.class,
                () -> bus.publish(topic, big).toCompletableFuture().join());
        MessageTooLargeException cause = assertInstanceOf(MessageTooLargeException.class, failure.getCause());
        assertEquals(big.length, cause.size());
        assertTrue(cause.getMessage().contains(topic), cause.getMessage());
    }

    // 8. Backpressure and shutdown --------------------------------------------------------------------

    @Test
    void in_flight_messages_stay_within_the_bound() {
        MessageBus bus = connect();
        String topic = name("bounded");
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger maxSeen = new AtomicInteger();
        Subscription[] subscription = new Subscription[1];
        Inbox<String> inbox = new Inbox<>(m -> {
            maxSeen.accumulateAndGet(subscription[0].inFlight(), Math::max);
            release.await();
        });
        subscription[0] = bus.subscribe(topic, "g", String.class, inbox,
                ConsumerOptions.concurrency(2).withMaxInFlight(10));

        Set<String> ids = publishAll(bus, topic, 100);
        inbox.awaitUntil(any -> subscription[0].inFlight() >= 10, timeout(), "10 messages in flight");
        maxSeen.accumulateAndGet(subscription[0].inFlight(), Math::max);
        release.countDown();
        inbox.awaitIds(ids, timeout());

        assertTrue(maxSeen.get() <= 10, "in flight at most 10, saw " + maxSeen.get());
    }

    @Test
    void close_lets_running_handlers_finish_and_acks_them() throws Exception {
        String topic = name("drain");
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean finished = new AtomicBoolean();
        Inbox<String> inbox = new Inbox<>(m -> {
            started.countDown();
            release.await();
            finished.set(true);
        });
        MessageBus bus = connect();
        Subscription subscription = bus.subscribe(topic, "g", String.class, inbox);
        await(bus.publish(OutgoingMessage.of(topic, "in-flight").withKey("k")));
        awaitLatch(started);

        CompletableFuture<Void> closing = CompletableFuture.runAsync(subscription::close);
        release.countDown();
        closing.get(30, TimeUnit.SECONDS);
        assertTrue(finished.get(), "the handler finished before close returned");

        Inbox<String> again = new Inbox<>();
        connect().subscribe(topic, "g", String.class, again);
        String marker = await(bus.publish(OutgoingMessage.of(topic, "marker").withKey("k"))).id();
        again.awaitMessage(m -> m.id().equals(marker), timeout(), "the marker");
        assertEquals(List.of("marker"), again.payloads(), "the drained message was acked");
    }

    @Test
    void a_close_during_retries_is_not_a_failure() {
        String topic = name("stopretry");
        CountDownLatch failedOnce = new CountDownLatch(1);
        MessageBus bus = connect();
        Subscription subscription = bus.subscribe(topic, "g", String.class, m -> {
            failedOnce.countDown();
            throw new IllegalStateException("failing");
        }, ConsumerOptions.defaults().withRetry(RetryPolicy.exponential(2, Duration.ofSeconds(30), Duration.ofSeconds(30))));
        Inbox<String> deadLetters = new Inbox<>();
        bus.workQueue(subscription.deadLetterQueue(), String.class).work(deadLetters);
        String id = await(bus.publish(topic, "retry-me")).id();
        awaitLatch(failedOnce);

        subscription.close();

        Inbox<String> again = new Inbox<>();
        connect().subscribe(topic, "g", String.class, again);
        assertEquals(id, again.awaitCount(1, timeout()).get(0).id(), "returned to the broker, not lost");
        assertTrue(deadLetters.messages().isEmpty(), "not dead-lettered because of the close");
    }

    @Test
    void publish_on_a_closed_bus_fails() {
        MessageBus bus = connect();
        bus.close();
        IllegalStateException failure = assertThrows(IllegalStateException.class, () -> bus.publish(name("t"), "x"));
        assertTrue(failure.getMessage().contains("closed"), failure.getMessage());
        assertThrows(IllegalStateException.class, () -> bus.subscribe(name("t"), "g", String.class, m -> { }));
        bus.close(); // idempotent
    }

    // Observability ------------------------------------------------------------------------------------

    @Test
    void listeners_see_publishes_deliveries_attempts_retries_and_dead_letters() {
        Map<String, AtomicInteger> events = new ConcurrentHashMap<>();
        List<Route> routes = new CopyOnWriteArrayList<>();
        BusListener counting = new BusListener() {
            private void count(String event, Route route) {
                events.computeIfAbsent(event, e -> new AtomicInteger()).incrementAndGet();
                routes.add(route);
            }

            @Override
            public void published(Route route, String messageId, Duration elapsed) {
                count("published", route);
            }

            @Override
            public void delivered(Route route, Message<byte[]> message) {
                count("delivered", route);
            }

            @Override
            public void handled(Route route, Message<byte[]> message, Duration duration, Throwable failure) {
                count(failure == null ? "handled" : "failed", route);
            }

            @Override
            public void retried(Route route, Message<byte[]> message, Duration delay, Throwable cause) {
                count("retried", route);
            }

            @Override
            public void deadLettered(Route route, Message<byte[]> message, Throwable cause) {
                count("deadLettered", route);
            }
        };
        MessageBus bus = connect(url(), busOptions().withListener(counting));
        String topic = name("listen");
        Subscription subscription = bus.subscribe(topic, "g", String.class, m -> {
            if (m.payload().equals("bad")) {
                throw new IllegalStateException("bad");
            }
        }, quickRetry(2));
        Inbox<String> deadLetters = new Inbox<>();
        connect().workQueue(subscription.deadLetterQueue(), String.class).work(deadLetters);

        await(bus.publish(topic, "good"));
        await(bus.publish(topic, "bad"));
        deadLetters.awaitCount(1, timeout());
        deadLetters.awaitUntil(any -> events.containsKey("deadLettered"), timeout(), "the dead-letter event");

        assertEquals(2, events.get("published").get(), "published: " + events);
        assertEquals(2, events.get("delivered").get(), "delivered: " + events);
        assertEquals(1, events.get("handled").get(), "handled: " + events);
        assertEquals(2, events.get("failed").get(), "failed attempts: " + events);
        assertEquals(1, events.get("retried").get(), "retried: " + events);
        assertEquals(1, events.get("deadLettered").get(), "dead-lettered: " + events);
        String scheme = url().substring(0, url().indexOf(':'));
        assertTrue(routes.stream().allMatch(r -> r.transport().equals(scheme)), "routes name the transport: " + routes);
        assertTrue(routes.stream().anyMatch(r -> "g".equals(r.group()) && r.topic().equals(topic)), routes.toString());
    }

    @Test
    void the_publishers_trace_context_reaches_the_handler_and_continues_downstream() {
        MessageBus bus = connect();
        String first = name("trace1");
        String second = name("trace2");
        List<Optional<TraceContext>> seenInHandler = new CopyOnWriteArrayList<>();
        bus.subscribe(first, "g", String.class, m -> {
            seenInHandler.add(TraceContext.current());
            await(bus.publish(second, "next hop"));
        });
        Inbox<String> downstream = new Inbox<>();
        bus.subscribe(second, "g", String.class, downstream);

        TraceContext origin = TraceContext.newTrace();
        try (TraceContext.Scope scope = TraceContext.makeCurrent(origin)) {
            await(bus.publish(first, "first hop"));
        }

        Message<String> last = downstream.awaitCount(1, timeout()).get(0);
        TraceContext atHandler = seenInHandler.get(0).orElseThrow(() -> new AssertionError("no trace in the handler"));
        assertEquals(origin.traceId(), atHandler.traceId());
        TraceContext atDownstream = TraceContext.of(last).orElseThrow(() -> new AssertionError("no traceparent downstream"));
        assertEquals(origin.traceId(), atDownstream.traceId(), "one trace across both hops");
        assertFalse(atDownstream.spanId().equals(atHandler.spanId()), "each hop has its own span");
    }

    @Test
    void health_reports_the_connection_and_each_subscription() {
        MessageBus bus = connect();
        String topic = name("health");
        Subscription subscription = bus.subscribe(topic, "g", String.class, m -> { });
        Health health = bus.health();
        assertTrue(health.isUp(), health.toString());
        assertEquals(1, health.subscriptions().size());
        assertEquals(topic, health.subscriptions().get(0).topic());
        assertEquals(HealthStatus.UP, health.subscriptions().get(0).status());

        subscription.close();
        assertTrue(bus.health().subscriptions().isEmpty(), "a closed subscription is gone from health");
        bus.close();
        assertEquals(HealthStatus.CLOSED, bus.health().status());
    }

    // 9. Faults ---------------------------------------------------------------------------------------

    @Test
    @Tag("restart")
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void a_broker_restart_mid_stream_loses_no_confirmed_message() throws Exception {
        RestartableBroker broker = restartableBroker();
        Assumptions.assumeTrue(broker != null, this::restartUnsupportedReason);
        BusOptions options = busOptions().withPublishTimeout(Duration.ofSeconds(5));
        MessageBus consumerBus = connect(broker.url(), options);
        MessageBus publisherBus = connect(broker.url(), options);
        String topic = name("restart");
        Inbox<String> inbox = new Inbox<>();
        consumerBus.subscribe(topic, "g", String.class, inbox, ConsumerOptions.concurrency(4).withMaxInFlight(64)
                .withRetry(RetryPolicy.exponential(20, Duration.ofMillis(100), Duration.ofSeconds(2))));

        Set<String> confirmed = ConcurrentHashMap.newKeySet();
        AtomicInteger failed = new AtomicInteger();
        List<Throwable> unexpected = new CopyOnWriteArrayList<>();
        int total = 2000;
        CountDownLatch halfway = new CountDownLatch(1);
        CountDownLatch restarted = new CountDownLatch(1);
        CountDownLatch outage = new CountDownLatch(1);
        AtomicBoolean down = new AtomicBoolean();
        AtomicInteger attemptedWhileDown = new AtomicInteger();
        CompletableFuture<Void> stream = CompletableFuture.runAsync(() -> {
            for (int batch = 0; batch < total / 20; batch++) {
                if (down.get() && attemptedWhileDown.incrementAndGet() > 2) {
                    awaitLatch(restarted, Duration.ofMinutes(2)); // two batches tried during the outage are enough
                }
                if (batch == total / 40) {
                    halfway.countDown();
                    awaitLatch(outage, Duration.ofMinutes(1)); // the second half runs into the outage
                }
                List<CompletableFuture<PublishReceipt>> stages = new ArrayList<>();
                for (int i = 0; i < 20; i++) {
                    try {
                        stages.add(publisherBus.publish(topic, "m" + batch + "-" + i).toCompletableFuture());
                    } catch (RuntimeException e) {
                        unexpected.add(e);
                    }
                }
                for (CompletableFuture<PublishReceipt> stage : stages) {
                    try {
                        confirmed.add(stage.get(30, TimeUnit.SECONDS).id());
                    } catch (java.util.concurrent.ExecutionException e) {
                        if (e.getCause() instanceof PublishException) {
                            failed.incrementAndGet();
                        } else {
                            unexpected.add(e.getCause());
                        }
                    } catch (Exception e) {
                        unexpected.add(e); // a publish stage that hangs past its timeout
                    }
                }
            }
        });
        awaitLatch(halfway, Duration.ofMinutes(1));
        down.set(true);
        outage.countDown();
        try {
            broker.stop();
            // keep it down while the publisher tries two batches (each waits up to the publish timeout)
            inbox.awaitUntil(any -> attemptedWhileDown.get() > 2 || stream.isDone(), Duration.ofMinutes(2),
                    "publishes attempted while the broker is down");
        } finally {
            broker.start(); // whatever happened, later tests need the broker
            down.set(false);
            restarted.countDown();
        }
        stream.get(3, TimeUnit.MINUTES);

        inbox.awaitIds(confirmed, Duration.ofSeconds(90));
        Set<String> handled = inbox.ids();
        long lost = confirmed.stream().filter(id -> !handled.contains(id)).count();
        System.out.printf("restart: published %d, confirmed %d, failed %d, handled %d distinct (%d deliveries), lost %d, duplicates %d%n",
                total, confirmed.size(), failed.get(), handled.size(), inbox.messages().size(), lost,
                inbox.messages().size() - handled.size());
        assertTrue(unexpected.isEmpty(), "every publish either confirmed or failed with PublishException: " + unexpected);
        assertEquals(0, lost);
        assertEquals(total, confirmed.size() + failed.get());
    }

    // Pipelines ---------------------------------------------------------------------------------------

    @Test
    void interceptors_run_in_the_documented_order_and_a_header_added_on_publish_arrives() {
        MessageBus bus = connect(url(), busOptions()
                .withInterceptor((message, next) -> next.proceed(message.withHeader("tenant", "acme"))));
        String topic = name("pipeline");
        List<String> trail = new CopyOnWriteArrayList<>();
        Inbox<String> inbox = new Inbox<>(m -> {
            trail.add("handler " + m.payload() + " " + m.header("tenant").orElse("-"));
            if (m.attempt() == 1) {
                throw new IllegalStateException("first attempt fails");
            }
        });
        bus.subscribe(topic, "g", String.class, inbox, quickRetry(2)
                .withInterceptor((m, next) -> {
                    trail.add("interceptor " + m.attempt() + (TraceContext.current().isPresent() ? " traced" : " untraced"));
                    Outcome outcome = next.proceed(m);
                    trail.add("outcome " + outcome.getClass().getSimpleName());
                    return outcome;
                })
                .withMiddleware((m, next) -> {
                    trail.add("middleware");
                    next.handle(m);
                }));

        try (TraceContext.Scope scope = TraceContext.makeCurrent(TraceContext.newTrace())) {
            await(bus.publish(topic, "o-1"));
        }

        inbox.awaitUntil(any -> trail.size() == 8, timeout(), "two attempts through the pipeline");
        assertEquals(List.of("interceptor 1 traced", "middleware", "handler o-1 acme", "outcome Failed",
                "interceptor 2 traced", "middleware", "handler o-1 acme", "outcome Handled"), trail);
    }

    private static void awaitLatch(CountDownLatch latch) {
        awaitLatch(latch, Duration.ofSeconds(30));
    }

    private static void awaitLatch(CountDownLatch latch, Duration timeout) {
        try {
            if (!latch.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                fail("timed out after " + timeout + " waiting for a latch");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            fail("interrupted");
        }
    }

    /** An order was placed: one of several event types on one topic. */
    public record OrderPlaced(String orderId, int cents) {
    }

    /** An order was cancelled. */
    public record OrderCancelled(String orderId, String reason) {
    }

    /** An order was shipped; its type is named explicitly. */
    @EventType("conformance.order.shipped")
    public record OrderShipped(String orderId) {
    }
}
