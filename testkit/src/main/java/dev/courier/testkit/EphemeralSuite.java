package dev.courier.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.api.BusOptions;
import dev.courier.api.ConsumerOptions;
import dev.courier.api.MessageBus;
import dev.courier.api.MessageTooLargeException;
import dev.courier.api.OutgoingMessage;
import dev.courier.api.WorkQueue;
import dev.courier.spi.AckDeadline;
import dev.courier.spi.Capabilities;
import dev.courier.spi.Destination;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What a transport's stated {@link dev.courier.spi.Capabilities} promise: temporary queues
 * ({@link MessageBus#temporaryQueue}) that work, are the bus's own, and are gone from the broker
 * once the bus closes; limits enforced before the broker is asked; and a handler that runs longer
 * than the broker's ack deadline keeping its message. A transport module runs it by subclassing,
 * naming its broker and a {@link BrokerProbe} that asks the broker through its admin API.
 */
@Tag("conformance")
@Timeout(value = 3, unit = TimeUnit.MINUTES)
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
public abstract class EphemeralSuite {

    private final List<MessageBus> buses = new CopyOnWriteArrayList<>();

    /** The broker's URL. */
    protected abstract String url();

    /** Asks the broker what it holds. */
    protected abstract BrokerProbe probe();

    /** How long to wait for expected deliveries. */
    protected Duration timeout() {
        return Duration.ofSeconds(30);
    }

    /** A payload size the broker must refuse; 1 MiB + 1 by default, as in {@link ConformanceSuite}. */
    protected int oversizedPayloadBytes() {
        return 1024 * 1024 + 1;
    }

    /**
     * A URL of the same broker with a short ack deadline (NATS {@code ackWait}, memory
     * {@code ackDeadlineMs}). Required when the transport states an ack deadline; the scenario is
     * skipped only for a transport whose capabilities state none (Kafka, RabbitMQ).
     */
    protected String urlWithShortAckDeadline() {
        return null;
    }

    /** The deadline {@link #urlWithShortAckDeadline()} sets. */
    protected Duration shortAckDeadline() {
        return Duration.ofSeconds(1);
    }

    /** Called before each test, for example to check the broker is reachable. */
    protected void beforeEachTest() {
    }

    private MessageBus open(String url) {
        beforeEachTest();
        MessageBus bus = MessageBus.connect(url, BusOptions.defaults().withPublishTimeout(Duration.ofSeconds(15)));
        buses.add(bus);
        return bus;
    }

    @AfterEach
    void closeBuses() {
        buses.forEach(MessageBus::close);
        buses.clear();
    }

    private static String unique(String what) {
        return ConformanceSuite.RUN_PREFIX + what + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @Test
    void a_job_submitted_to_a_temporary_queue_reaches_its_worker() throws Exception {
        MessageBus bus = open(url());
        WorkQueue<String> inbox = bus.temporaryQueue(String.class);
        Inbox<String> worker = new Inbox<>();
        inbox.work(worker);

        inbox.submit("reply-1", Map.of("correlation", "c-1")).toCompletableFuture().get(30, TimeUnit.SECONDS);

        var received = worker.awaitCount(1, timeout()).get(0);
        assertEquals("reply-1", received.payload());
        assertEquals("c-1", received.headers().get("correlation"));
        assertEquals(inbox.name(), received.topic());
    }

    @Test
    void temporary_queue_names_are_unique_within_a_bus_and_across_buses() {
        MessageBus one = open(url());
        MessageBus other = open(url());

        Set<String> names = Set.of(one.temporaryQueue(String.class).name(), one.temporaryQueue(String.class).name(),
                other.temporaryQueue(String.class).name());

        assertEquals(3, names.size(), names.toString());
    }

    @Test
    void a_bus_never_receives_what_was_sent_to_another_buss_temporary_queue() throws Exception {
        MessageBus one = open(url());
        MessageBus other = open(url());
        WorkQueue<String> first = one.temporaryQueue(String.class);
        WorkQueue<String> second = other.temporaryQueue(String.class);
        Inbox<String> firstWorker = new Inbox<>();
        Inbox<String> secondWorker = new Inbox<>();
        first.work(firstWorker);
        second.work(secondWorker);

        first.submit("for-one").toCompletableFuture().get(30, TimeUnit.SECONDS);
        firstWorker.awaitCount(1, timeout());
        second.submit("for-other").toCompletableFuture().get(30, TimeUnit.SECONDS);
        secondWorker.awaitCount(1, timeout());

        assertEquals(List.of("for-one"), firstWorker.payloads());
        assertEquals(List.of("for-other"), secondWorker.payloads());
    }

    @Test
    void a_temporary_queue_and_its_dead_letter_queue_are_gone_from_the_broker_once_the_bus_closes() throws Exception {
        MessageBus bus = open(url());
        WorkQueue<String> inbox = bus.temporaryQueue(String.class);
        inbox.work(new Inbox<>());
        Destination queue = Destination.temporaryQueue(inbox.name());
        Destination deadLetters = Destination.temporaryQueue(inbox.name() + ".dlq");
        inbox.submit("left-behind").toCompletableFuture().get(30, TimeUnit.SECONDS);
        assertTrue(probe().exists(queue), "the temporary queue exists while its bus is open");
        assertTrue(probe().exists(deadLetters), "its dead-letter queue exists while the bus is open");

        bus.close();

        assertFalse(probe().exists(queue), inbox.name() + " is still on the broker after its bus closed");
        assertFalse(probe().exists(deadLetters), inbox.name() + ".dlq is still on the broker after its bus closed");
    }

    @Test
    void a_durable_queue_stays_on_the_broker_when_the_bus_closes() throws Exception {
        MessageBus bus = open(url());
        String name = unique("durable");
        bus.workQueue(name, String.class);

        bus.close();

        assertTrue(probe().exists(Destination.queue(name)), name + " was removed with the bus");
    }

    @Test
    void a_publish_over_the_size_limit_fails_before_the_broker_is_asked() throws Exception {
        MessageBus bus = open(url());
        String topic = unique("too-large");

        ExecutionException failure = assertThrows(ExecutionException.class,
                () -> bus.publish(topic, new byte[oversizedPayloadBytes()]).toCompletableFuture().get(30, TimeUnit.SECONDS));

        assertInstanceOf(MessageTooLargeException.class, failure.getCause());
        assertFalse(probe().exists(Destination.topic(topic)), "the topic was declared for a message refused by size");
    }

    @Test
    void headers_over_the_header_limit_fail_the_publish_call_before_the_broker_is_asked() throws Exception {
        Assumptions.assumeTrue(StatedCapabilities.of(url()).maxHeaderBytes() != Capabilities.UNLIMITED_HEADER_BYTES,
                "the transport's capabilities state no limit on the headers' total size");
        MessageBus bus = open(url());
        String topic = unique("big-headers");
        Map<String, String> headers = new HashMap<>();
        for (int i = 0; i < 20; i++) {
            headers.put("h" + i, "x".repeat(8192));
        }

        assertThrows(IllegalArgumentException.class,
                () -> bus.publish(new OutgoingMessage(topic, "payload", null, headers, null)));

        assertFalse(probe().exists(Destination.topic(topic)), "the topic was declared for a message refused by its headers");
    }

    @Test
    void a_handler_running_longer_than_the_ack_deadline_keeps_its_message() throws Exception {
        String url = urlWithShortAckDeadline();
        if (url == null) {
            assertEquals(AckDeadline.Rule.NONE, StatedCapabilities.of(url()).ackDeadline().rule(),
                    "the transport states an ack deadline: urlWithShortAckDeadline() must give a URL with a short one");
            Assumptions.assumeTrue(false, "the transport's capabilities state no ack deadline: a running handler keeps its message");
        }
        Duration deadline = shortAckDeadline();
        MessageBus bus = open(url);
        WorkQueue<String> jobs = bus.workQueue(unique("slow"), String.class);
        AtomicInteger deliveries = new AtomicInteger();
        CountDownLatch again = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(1);
        boolean[] redelivered = new boolean[1];
        jobs.work(message -> {
            if (deliveries.incrementAndGet() > 1) {
                again.countDown();
                return;
            }
            // holds the message for three deadlines, or until the broker hands it out again
            redelivered[0] = again.await(deadline.toMillis() * 3, TimeUnit.MILLISECONDS);
            done.countDown();
        }, ConsumerOptions.concurrency(2));

        jobs.submit("slow job").toCompletableFuture().get(30, TimeUnit.SECONDS);

        assertTrue(done.await(timeout().toMillis() + deadline.toMillis() * 3, TimeUnit.MILLISECONDS), "the handler ran");
        assertFalse(redelivered[0], "the broker redelivered a message whose handler was still running");
        assertEquals(1, deliveries.get());
    }
}
