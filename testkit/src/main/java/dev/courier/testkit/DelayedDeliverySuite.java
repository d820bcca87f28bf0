package dev.courier.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.api.BusOptions;
import dev.courier.api.ConsumerOptions;
import dev.courier.api.DeadLetterHeaders;
import dev.courier.api.Message;
import dev.courier.api.MessageBus;
import dev.courier.api.OutgoingMessage;
import dev.courier.api.PublishReceipt;
import dev.courier.api.RetryPolicy;
import dev.courier.api.Subscription;
import dev.courier.api.WorkQueue;
import dev.courier.spi.Capabilities;
import dev.courier.spi.Secrets;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;

/**
 * What delayed delivery promises on a transport stating
 * {@link Capabilities.Feature#DELAYED_DELIVERY}: a delayed message is never delivered before it is
 * due, arrives within the stated {@linkplain Capabilities.DelayLimits#granularity() granularity}
 * after it (on an idle machine), none of many is lost, it waits durably through a broker restart
 * and while no bus runs, and a {@linkplain RetryPolicy#withRescheduling non-blocking retry} ends in
 * the dead-letter queue with the usual headers, reaching only the group that failed. A transport
 * module runs it by subclassing and naming its broker.
 *
 * <p>Arrival times are taken in the handler with {@link System#currentTimeMillis()}, on the machine
 * that set the due times; the upper bound is generous (twice the granularity plus
 * {@link #latenessSlack()}), as a shared test machine is rarely idle.
 */
@Tag("conformance")
@Timeout(value = 3, unit = TimeUnit.MINUTES)
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
public abstract class DelayedDeliverySuite {

    private static final AtomicInteger TEST_NUMBER = new AtomicInteger();

    private final List<MessageBus> buses = new CopyOnWriteArrayList<>();
    private String prefix;

    /** The broker's URL. */
    protected abstract String url();

    /**
     * The broker the restart scenario stops and starts; Courier's own transports must offer one.
     * {@code null} skips that scenario (under CI it fails instead).
     */
    protected abstract RestartableBroker restartableBroker();

    /** Called before each test, for example to check the broker is reachable. */
    protected void beforeEachTest() {
    }

    /** Options of every bus the suite opens; the default has a 15 s publish timeout. */
    protected BusOptions busOptions() {
        return BusOptions.defaults().withPublishTimeout(Duration.ofSeconds(15));
    }

    /** How long to wait for expected deliveries beyond their due time. */
    protected Duration timeout() {
        return Duration.ofSeconds(30);
    }

    /** What a message may arrive late beyond twice the stated granularity, for a busy test machine. */
    protected Duration latenessSlack() {
        return Duration.ofSeconds(2);
    }

    @BeforeEach
    void setUp(TestInfo info) {
        beforeEachTest();
        String method = info.getTestMethod().map(m -> m.getName()).orElse("test");
        prefix = ConformanceSuite.RUN_PREFIX + "d" + TEST_NUMBER.incrementAndGet() + "-"
                + (method.length() > 24 ? method.substring(0, 24) : method);
    }

    @AfterEach
    void closeBuses() {
        for (MessageBus bus : buses) {
            try {
                bus.close();
            } catch (RuntimeException e) {
                System.err.println("closing a bus after the test failed: " + e);
            }
        }
        buses.clear();
    }

    private MessageBus connect(String url) {
        MessageBus bus = MessageBus.connect(url, busOptions());
        buses.add(bus);
        return bus;
    }

    private String name(String suffix) {
        return prefix + "." + suffix;
    }

    private Capabilities.DelayLimits limits() {
        Capabilities capabilities = StatedCapabilities.of(url());
        assertTrue(capabilities.has(Capabilities.Feature.DELAYED_DELIVERY),
                "the transport of " + url() + " does not state DELAYED_DELIVERY");
        return capabilities.delays();
    }

    private static <T> T await(CompletionStage<T> stage) {
        return stage.toCompletableFuture().orTimeout(30, TimeUnit.SECONDS).join();
    }

    /** Waits until the wall clock has passed {@code instant}: the condition itself is time. */
    private static void awaitClock(Instant instant) {
        long left;
        while ((left = instant.toEpochMilli() - System.currentTimeMillis()) > 0) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(left));
        }
    }

    /** An inbox that also notes when each message id first arrived, in epoch milliseconds. */
    private static final class TimedInbox extends Inbox<String> {
        final Map<String, Long> arrivals = new ConcurrentHashMap<>();

        @Override
        public void handle(Message<String> message) throws Exception {
            arrivals.putIfAbsent(message.id(), System.currentTimeMillis());
            super.handle(message);
        }
    }

    /** Publishes {@code count} messages to {@code topic}, due from {@code first} on, 250 ms apart; returns id → due. */
    private static Map<String, Instant> publishDelayed(MessageBus bus, String topic, int count, Duration first) {
        Map<String, Instant> due = new ConcurrentHashMap<>();
        Instant start = Instant.now();
        List<CompletableFuture<PublishReceipt>> stages = new ArrayList<>();
        List<Instant> dues = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Instant at = start.plus(first).plusMillis(250L * i);
            dues.add(at);
            stages.add(bus.publish(OutgoingMessage.of(topic, "m" + i).withKey("k" + (i % 3)).withDeliverAt(at))
                    .toCompletableFuture());
        }
        for (int i = 0; i < count; i++) {
            due.put(await(stages.get(i)).id(), dues.get(i).truncatedTo(ChronoUnit.MILLIS));
        }
        return due;
    }

    @Test
    void a_delayed_message_is_never_delivered_before_it_is_due() {
        limits();
        MessageBus bus = connect(url());
        String topic = name("early");
        TimedInbox inbox = new TimedInbox();
        bus.subscribe(topic, "g", String.class, inbox);
        WorkQueue<String> jobs = bus.workQueue(name("early-jobs"), String.class);
        TimedInbox workers = new TimedInbox();
        jobs.work(workers);

        Map<String, Instant> due = publishDelayed(bus, topic, 8, Duration.ofMillis(1500));
        Instant jobDue = Instant.now().plusMillis(2000).truncatedTo(ChronoUnit.MILLIS);
        String job = await(jobs.submit("job", jobDue)).id();

        inbox.awaitIds(due.keySet(), timeout().plus(Duration.ofSeconds(5)));
        workers.awaitIds(Set.of(job), timeout().plus(Duration.ofSeconds(5)));
        due.forEach((id, at) -> assertTrue(inbox.arrivals.get(id) >= at.toEpochMilli(),
                "message " + id + " arrived at " + Instant.ofEpochMilli(inbox.arrivals.get(id)) + ", before it was due at " + at));
        assertTrue(workers.arrivals.get(job) >= jobDue.toEpochMilli(), "the job arrived at "
                + Instant.ofEpochMilli(workers.arrivals.get(job)) + ", before it was due at " + jobDue);
        assertTrue(inbox.messages().stream().allMatch(m -> m.headers().keySet().stream().noneMatch(h -> h.startsWith("courier-"))),
                "a delayed message shows no Courier header to its handler: " + inbox.messages());
    }

    @Test
    void a_delayed_message_arrives_within_the_stated_granularity_after_it_is_due() {
        Capabilities.DelayLimits limits = limits();
        MessageBus bus = connect(url());
        String topic = name("late");
        TimedInbox inbox = new TimedInbox();
        bus.subscribe(topic, "g", String.class, inbox);

        Map<String, Instant> due = publishDelayed(bus, topic, 8, Duration.ofMillis(1500));

        inbox.awaitIds(due.keySet(), timeout().plus(Duration.ofSeconds(5)));
        long bound = limits.granularity().multipliedBy(2).plus(latenessSlack()).toMillis();
        due.forEach((id, at) -> {
            long late = inbox.arrivals.get(id) - at.toEpochMilli();
            assertTrue(late <= bound, "message " + id + " arrived " + late + " ms after it was due; the transport states a"
                    + " granularity of " + limits.granularity() + " (bound here " + bound + " ms)");
        });
    }

    @Test
    void a_due_time_in_the_past_delivers_at_once() {
        limits();
        MessageBus bus = connect(url());
        String topic = name("past");
        Inbox<String> inbox = new Inbox<>();
        bus.subscribe(topic, "g", String.class, inbox);

        String id = await(bus.publish(OutgoingMessage.of(topic, "overdue").withDeliverAt(Instant.now().minusSeconds(60)))).id();

        inbox.awaitIds(Set.of(id), timeout());
    }

    @Test
    @Timeout(value = 8, unit = TimeUnit.MINUTES) // a net: the waits below end it, after timeout()
    void ten_thousand_messages_with_random_delays_up_to_60_seconds_are_all_handled() {
        limits();
        MessageBus publisher = connect(url());
        MessageBus consumer = connect(url());
        String queue = name("many");
        Set<String> handled = ConcurrentHashMap.newKeySet();
        AtomicInteger early = new AtomicInteger();
        Map<String, Long> dueById = new ConcurrentHashMap<>();
        Inbox<String> inbox = new Inbox<>(message -> {
            Long due = dueById.get(message.payload());
            if (due != null && System.currentTimeMillis() < due) {
                early.incrementAndGet();
            }
            handled.add(message.payload());
        });
        consumer.workQueue(queue, String.class).work(inbox, ConsumerOptions.concurrency(8).withMaxInFlight(500));
        WorkQueue<String> jobs = publisher.workQueue(queue, String.class);

        int total = 10_000;
        Instant start = Instant.now();
        List<CompletableFuture<PublishReceipt>> stages = new ArrayList<>();
        for (int i = 0; i < total; i++) {
            Instant at = start.plusMillis(ThreadLocalRandom.current().nextLong(60_000)).truncatedTo(ChronoUnit.MILLIS);
            dueById.put("j" + i, at.toEpochMilli());
            stages.add(jobs.submit("j" + i, at).toCompletableFuture());
            if (stages.size() == 500) {
                stages.forEach(DelayedDeliverySuite::await);
                stages.clear();
            }
        }
        stages.forEach(DelayedDeliverySuite::await);
        Duration published = Duration.between(start, Instant.now());

        Duration wait = Duration.ofSeconds(60).minus(published).plus(timeout()).plus(Duration.ofSeconds(30));
        inbox.awaitUntil(all -> handled.size() >= total, wait, total + " distinct jobs");
        int lost = total - handled.size();
        System.out.printf("delayed delivery on %s: published %d in %d ms, handled %d distinct (%d deliveries), lost %d,"
                + " early %d%n", Secrets.redact(url()), total, published.toMillis(), handled.size(), inbox.messages().size(), lost, early.get());
        assertEquals(0, lost, "lost delayed messages");
        assertEquals(0, early.get(), "messages delivered before they were due");
    }

    @Test
    @Tag("restart")
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void delayed_messages_wait_through_a_broker_restart() throws Exception {
        limits();
        RestartableBroker broker = restartableBroker();
        if (broker == null) {
            Assumptions.assumeFalse(Brokers.isCi(), "under CI the restart scenario must run");
            Assumptions.abort(getClass().getSimpleName() + " offers no restartable broker");
        }
        BusOptions options = busOptions();
        MessageBus bus = MessageBus.connect(broker.url(), options);
        buses.add(bus);
        String topic = name("restart");
        TimedInbox inbox = new TimedInbox();
        bus.subscribe(topic, "g", String.class, inbox);
        Map<String, Instant> due = publishDelayed(bus, topic, 20, Duration.ofSeconds(6));
        assertTrue(inbox.messages().isEmpty(), "delivered before they were due: " + inbox.messages());

        broker.stop();
        broker.start();

        inbox.awaitIds(due.keySet(), timeout().plus(Duration.ofSeconds(10)));
        due.forEach((id, at) -> assertTrue(inbox.arrivals.get(id) >= at.toEpochMilli(),
                "message " + id + " arrived before it was due at " + at));
    }

    @Test
    void messages_that_come_due_while_every_bus_is_closed_reach_a_bus_that_connects_later() {
        limits();
        String topic = name("closed");
        String queue = name("closed-jobs");
        MessageBus first = connect(url());
        first.subscribe(topic, "g", String.class, new Inbox<>()).close(); // the group exists from now on
        first.workQueue(queue, String.class);
        Map<String, Instant> due = publishDelayed(first, topic, 5, Duration.ofMillis(1500));
        Instant jobDue = Instant.now().plusMillis(1500);
        String job = await(first.workQueue(queue, String.class).submit("job", jobDue)).id();
        first.close();
        Instant last = due.values().stream().max(Instant::compareTo).orElseThrow();

        awaitClock(last.plus(limits().granularity()).plusMillis(500)); // everything comes due while no bus runs

        MessageBus later = connect(url());
        Inbox<String> inbox = new Inbox<>();
        later.subscribe(topic, "g", String.class, inbox);
        Inbox<String> workers = new Inbox<>();
        later.workQueue(queue, String.class).work(workers);
        inbox.awaitIds(due.keySet(), timeout());
        workers.awaitIds(Set.of(job), timeout());
    }

    @Test
    void a_message_retried_through_delayed_delivery_ends_in_the_dead_letter_queue_with_the_usual_headers() {
        limits();
        MessageBus bus = connect(url());
        String topic = name("retry");
        List<Integer> attempts = new CopyOnWriteArrayList<>();
        Inbox<String> failing = new Inbox<>(message -> {
            attempts.add(message.attempt());
            throw new IllegalStateException("payment service down");
        });
        RetryPolicy policy = RetryPolicy.exponential(2, Duration.ofMillis(50), Duration.ofMillis(50))
                .withRescheduling(2, Duration.ofMillis(500), Duration.ofSeconds(1));
        Subscription subscription = bus.subscribe(topic, "billing", String.class, failing,
                ConsumerOptions.defaults().withRetry(policy));
        Inbox<String> other = new Inbox<>();
        bus.subscribe(topic, "audit", String.class, other);
        Inbox<byte[]> deadLetters = new Inbox<>();
        bus.workQueue(subscription.deadLetterQueue(), byte[].class).work(deadLetters);

        String id = await(bus.publish(OutgoingMessage.of(topic, "charge").withKey("order-1").withHeader("tenant", "acme"))).id();

        Message<byte[]> letter = deadLetters.awaitCount(1, timeout()).get(0);
        assertEquals(id, letter.id());
        assertEquals("charge", new String(letter.payload(), StandardCharsets.UTF_8));
        assertEquals("acme", letter.headers().get("tenant"));
        assertEquals(IllegalStateException.class.getName(), letter.headers().get(DeadLetterHeaders.ERROR_CLASS));
        assertEquals("payment service down", letter.headers().get(DeadLetterHeaders.ERROR_MESSAGE));
        assertEquals(Integer.toString(policy.totalAttempts()), letter.headers().get(DeadLetterHeaders.ATTEMPTS));
        assertEquals(topic, letter.headers().get(DeadLetterHeaders.ORIGINAL_TOPIC));
        assertEquals("billing", letter.headers().get(DeadLetterHeaders.GROUP));
        assertEquals(List.of(1, 2, 3, 4, 5, 6), attempts, "attempts seen by the handler, counted across reschedulings");
        assertEquals(Set.of(id), new HashSet<>(failing.ids()), "every attempt was the same message");
        other.awaitCount(1, timeout());
        assertEquals(1, other.messages().size(), "the other group handles the message once, not its reschedulings: "
                + other.messages());
        assertFalse(failing.messages().stream().anyMatch(m -> m.headers().keySet().stream()
                .anyMatch(h -> h.equals("courier-prior-attempts"))), "the attempt count travels out of the handler's sight");
    }
}
