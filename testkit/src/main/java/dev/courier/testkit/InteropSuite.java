package dev.courier.testkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.api.BusListener;
import dev.courier.api.BusOptions;
import dev.courier.api.ConsumerOptions;
import dev.courier.api.DeadLetterHeaders;
import dev.courier.api.DecodingException;
import dev.courier.api.Health;
import dev.courier.api.HealthStatus;
import dev.courier.api.Message;
import dev.courier.api.MessageBus;
import dev.courier.api.RetryPolicy;
import dev.courier.api.Route;
import dev.courier.api.Subscription;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;

/**
 * The contract at the boundary: messages that another team's service sent with the broker's own
 * client ({@link ForeignProducer}), without Courier's headers, as CloudEvents in each form the
 * binding allows, with odd header values, reused or missing ids, bodies at the broker's limit and
 * bodies of the wrong shape. Each is delivered or dead-lettered, with an id that stays the same
 * across redeliveries; no subscription stalls; {@code health()} tells the truth.
 *
 * <p>A transport module runs it by subclassing, naming its broker and its raw producer. After each
 * odd message the suite sends an ordinary one and waits for it, so a stalled group fails the test.
 */
@Tag("conformance")
@Timeout(value = 3, unit = TimeUnit.MINUTES)
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
public abstract class InteropSuite {

    /** The start of every name the suite creates in this JVM ({@code ik-<run>-}), for clean-up. */
    public static final String RUN_PREFIX = "ik-" + UUID.randomUUID().toString().substring(0, 8) + "-";
    private static final AtomicInteger TEST_NUMBER = new AtomicInteger();
    private static final String GREETING_JSON = "{\"text\":\"hi\",\"number\":1,\"sentAt\":\"2026-11-29T15:40:01.123Z\",\"tags\":[]}";

    private final List<MessageBus> buses = new CopyOnWriteArrayList<>();
    private ForeignProducer producer;
    private String prefix;

    /** The broker's URL. */
    protected abstract String url();

    /** A new raw-client producer on the same broker; closed after each test. */
    protected abstract ForeignProducer foreignProducer() throws Exception;

    /** How long to wait for expected deliveries. */
    protected Duration timeout() {
        return Duration.ofSeconds(30);
    }

    /** Called before each test, for example to check the broker is reachable. */
    protected void beforeEachTest() {
    }

    @BeforeEach
    void setUp(TestInfo info) throws Exception {
        beforeEachTest();
        String method = info.getTestMethod().map(m -> m.getName()).orElse("test");
        prefix = RUN_PREFIX + TEST_NUMBER.incrementAndGet() + "-" + (method.length() > 20 ? method.substring(0, 20) : method);
        producer = foreignProducer();
    }

    @AfterEach
    void tearDown() throws Exception {
        for (MessageBus bus : buses) {
            try {
                bus.close();
            } catch (RuntimeException e) {
                System.err.println("closing a bus after the test: " + e);
            }
        }
        buses.clear();
        if (producer != null) {
            producer.close();
        }
    }

    /** A new bus on the broker under test, closed after the test. */
    protected MessageBus connect() {
        return connect(BusOptions.defaults().withPublishTimeout(Duration.ofSeconds(15)));
    }

    private MessageBus connect(BusOptions options) {
        MessageBus bus = MessageBus.connect(url(), options);
        buses.add(bus);
        return bus;
    }

    /** A name unique to this run and test. */
    protected String name(String suffix) {
        return prefix + "." + suffix;
    }

    private static ConsumerOptions noRetry() {
        return ConsumerOptions.defaults().withRetry(RetryPolicy.none());
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** Sends an ordinary message after the odd ones and waits for it: a stalled group fails here. */
    private void assertStillFlowing(String topic, Inbox<?> inbox, int countBefore) throws Exception {
        String marker = "after-" + UUID.randomUUID();
        producer.publish(topic, null, Map.of("marker", marker), utf8("\"" + marker + "\""));
        inbox.awaitMessage(m -> marker.equals(m.headers().get("marker")), timeout(),
                "an ordinary message sent after the odd one(s), " + countBefore + " handled before");
    }

    // Messages without Courier's headers --------------------------------------------------------

    @Test
    void a_message_without_courier_headers_is_delivered_with_an_id_a_timestamp_and_a_content_type() throws Exception {
        MessageBus bus = connect();
        String topic = name("plain");
        Inbox<byte[]> inbox = new Inbox<>();
        bus.subscribe(topic, "g", byte[].class, inbox);

        producer.publish(topic, null, Map.of(), utf8("plain bytes"));

        Message<byte[]> message = inbox.awaitCount(1, timeout()).get(0);
        assertEquals("plain bytes", new String(message.payload(), StandardCharsets.UTF_8));
        assertNotNull(message.id());
        assertFalse(message.id().isBlank(), "an id");
        assertNotNull(message.contentType());
        assertEquals(0, message.timestamp().getNano() % 1_000_000, "millisecond precision: " + message.timestamp());
        assertFalse(message.timestamp().isAfter(Instant.now().plus(Duration.ofMinutes(1))),
                "not in the future (a broker that cannot tell when it was sent says 1970): " + message.timestamp());
    }

    @Test
    void a_foreign_message_keeps_its_id_and_timestamp_when_the_broker_redelivers_it() throws Exception {
        String topic = name("redeliver");
        MessageBus first = connect();
        CountDownLatch holding = new CountDownLatch(1);
        List<Message<byte[]>> seen = new CopyOnWriteArrayList<>();
        first.subscribe(topic, "g", byte[].class, message -> {
            seen.add(message);
            holding.countDown();
            new CountDownLatch(1).await(); // hold it until the bus closes and interrupts the handler
        }, ConsumerOptions.defaults().withShutdownTimeout(Duration.ofMillis(200)));

        producer.publish(topic, null, Map.of("tenant", "acme"), utf8("{\"n\":1}"));
        assertTrue(holding.await(timeout().toMillis(), TimeUnit.MILLISECONDS), "first delivery");
        first.close();

        Inbox<byte[]> second = new Inbox<>();
        connect().subscribe(topic, "g", byte[].class, second);
        Message<byte[]> again = second.awaitCount(1, timeout()).get(0);

        assertEquals(seen.get(0).id(), again.id(), "the id of a redelivered foreign message");
        assertEquals(seen.get(0).timestamp(), again.timestamp(), "the timestamp of a redelivered foreign message");
        assertEquals("acme", again.headers().get("tenant"));
    }

    @Test
    void a_message_addressed_to_one_group_is_handled_by_that_group_alone() throws Exception {
        MessageBus bus = connect();
        String topic = name("targeted");
        Inbox<String> billing = new Inbox<>();
        Inbox<String> shipping = new Inbox<>();
        bus.subscribe(topic, "billing", String.class, billing);
        bus.subscribe(topic, "shipping", String.class, shipping);

        producer.publish(topic, "k", Map.of(DeadLetterHeaders.TARGET_GROUP, "billing"), utf8("replayed"));
        producer.publish(topic, "k", Map.of(), utf8("ordinary"));

        billing.awaitCount(2, timeout());
        shipping.awaitMessage(m -> m.payload().equals("ordinary"), timeout(), "the ordinary message after the targeted one");
        assertEquals(List.of("replayed", "ordinary"), billing.payloads());
        assertEquals(List.of("ordinary"), shipping.payloads(), "the group the message was not addressed to");
    }

    @Test
    void foreign_work_queue_jobs_are_handled_and_failures_dead_lettered() throws Exception {
        MessageBus bus = connect();
        String queue = name("jobs");
        Inbox<String> done = new Inbox<>(m -> {
            if (m.payload().equals("bad")) {
                throw new IllegalStateException("job refused");
            }
        });
        Subscription work = bus.workQueue(queue, String.class).work(done, noRetry());
        Inbox<byte[]> deadLetters = new Inbox<>();
        bus.workQueue(work.deadLetterQueue(), byte[].class).work(deadLetters);

        producer.submit(queue, Map.of(), utf8("bad"));
        producer.submit(queue, Map.of(), utf8("good"));

        done.awaitMessage(m -> m.payload().equals("good"), timeout(), "the good job");
        Message<byte[]> letter = deadLetters.awaitCount(1, timeout()).get(0);
        assertEquals("bad", new String(letter.payload(), StandardCharsets.UTF_8));
        assertEquals(IllegalStateException.class.getName(), letter.headers().get(DeadLetterHeaders.ERROR_CLASS));
    }

    // Header values --------------------------------------------------------------------------------

    @Test
    void non_ascii_empty_and_long_header_values_arrive_as_sent_and_the_group_goes_on() throws Exception {
        MessageBus bus = connect();
        String topic = name("headers");
        Inbox<String> inbox = new Inbox<>();
        bus.subscribe(topic, "g", String.class, inbox);
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("x-city", "Zürich");
        headers.put("x-greeting", "こんにちは 😀");
        headers.put("x-empty", "");
        headers.put("x-percent", "100% sure");
        headers.put("x-long", "v".repeat(4000));

        producer.publish(topic, null, headers, utf8("odd headers"));

        Message<String> message = inbox.awaitMessage(m -> "odd headers".equals(m.payload()), timeout(), "the message");
        headers.forEach((name, value) -> assertEquals(value, message.headers().get(name), "header " + name));
        assertStillFlowing(topic, inbox, 1);
        assertEquals(HealthStatus.UP, bus.health().status(), bus.health().toString());
    }

    // CloudEvents ------------------------------------------------------------------------------------

    @Test
    void a_binary_mode_cloudevent_is_read_in_every_prefix_the_binding_allows() throws Exception {
        MessageBus bus = connect();
        String topic = name("ce-binary");
        Inbox<Greeting> inbox = new Inbox<>();
        bus.subscribe(topic, "g", Greeting.class, inbox);

        for (String prefix : producer.cloudEventsPrefixes()) {
            Map<String, String> attributes = new LinkedHashMap<>();
            attributes.put("specversion", "1.0");
            attributes.put("id", "evt-" + prefix.hashCode());
            attributes.put("source", "/other-team/orders");
            attributes.put("type", "com.example.order.placed");
            attributes.put("subject", "Zürich 100%");
            attributes.put("time", "2026-11-29T15:40:01.123Z");
            attributes.put("datacontenttype", "application/json");
            attributes.put("region", "eu");
            producer.publishCloudEvent(topic, prefix, attributes, utf8(GREETING_JSON));

            Message<Greeting> event = inbox.awaitMessage(m -> m.id().equals(attributes.get("id")), timeout(),
                    "the event sent with prefix " + prefix);
            assertEquals("hi", event.payload().text(), prefix);
            assertEquals(Instant.parse("2026-11-29T15:40:01.123Z"), event.timestamp(), prefix);
            assertTrue(event.contentType().startsWith("application/json"), prefix + ": " + event.contentType());
            for (String attribute : List.of("source", "type", "subject", "region")) {
                assertTrue(event.headers().containsValue(attributes.get(attribute)),
                        prefix + ": attribute " + attribute + " visible as a header; headers: " + event.headers());
            }
        }
    }

    @Test
    void a_structured_mode_cloudevent_arrives_as_its_data_with_its_id_and_time() throws Exception {
        MessageBus bus = connect();
        String topic = name("ce-structured");
        Inbox<Greeting> inbox = new Inbox<>();
        bus.subscribe(topic, "g", Greeting.class, inbox);

        producer.publishWithContentType(topic, "application/cloudevents+json; charset=utf-8", utf8("""
                {"specversion":"1.0","id":"evt-structured","source":"/other-team","type":"com.example.greeting",
                 "time":"2026-11-29T15:40:01.123Z","datacontenttype":"application/json","data":%s}""".formatted(GREETING_JSON)));

        Message<Greeting> event = inbox.awaitCount(1, timeout()).get(0);
        assertEquals("evt-structured", event.id());
        assertEquals("hi", event.payload().text());
        assertEquals(Instant.parse("2026-11-29T15:40:01.123Z"), event.timestamp());
        assertTrue(event.headers().containsValue("/other-team"), event.headers().toString());
    }

    // Ids ------------------------------------------------------------------------------------------------

    @Test
    void different_messages_that_reuse_an_id_are_each_delivered_and_each_dead_lettered() throws Exception {
        MessageBus bus = connect();
        String topic = name("reused");
        Inbox<String> handled = new Inbox<>(m -> {
            throw new IllegalStateException("refused " + m.payload());
        });
        Subscription subscription = bus.subscribe(topic, "g", String.class, handled, noRetry());
        Inbox<String> deadLetters = new Inbox<>();
        bus.workQueue(subscription.deadLetterQueue(), String.class).work(deadLetters);

        for (String data : List.of("first", "second")) {
            Map<String, String> attributes = new LinkedHashMap<>();
            attributes.put("specversion", "1.0");
            attributes.put("id", "shared-id");
            attributes.put("source", "/producer-" + data);
            attributes.put("type", "t");
            attributes.put("datacontenttype", "text/plain");
            producer.publishCloudEvent(topic, producer.cloudEventsPrefixes().get(0), attributes, utf8(data));
        }

        handled.awaitCount(2, timeout());
        List<Message<String>> letters = deadLetters.awaitCount(2, timeout());
        assertEquals(List.of("first", "second"), letters.stream().map(Message::payload).sorted().toList());
        letters.forEach(letter -> assertEquals("shared-id", letter.id()));
    }

    // Bodies ---------------------------------------------------------------------------------------------

    @Test
    void a_body_of_the_largest_size_the_broker_takes_is_delivered_intact() throws Exception {
        MessageBus bus = connect();
        String topic = name("largest");
        Inbox<byte[]> inbox = new Inbox<>();
        bus.subscribe(topic, "g", byte[].class, inbox);
        byte[] body = new byte[producer.largestBody()];
        ThreadLocalRandom.current().nextBytes(body);

        producer.publish(topic, null, Map.of(), body);

        assertArrayEquals(body, inbox.awaitCount(1, timeout()).get(0).payload());
    }

    @Test
    void a_body_at_the_limit_that_cannot_be_dead_lettered_holds_only_itself_and_health_says_why() throws Exception {
        List<Throwable> refusals = new CopyOnWriteArrayList<>();
        MessageBus bus = connect(BusOptions.defaults().withPublishTimeout(Duration.ofSeconds(15)).withListener(new BusListener() {
            @Override
            public void deadLetterFailed(Route route, Message<byte[]> message, Throwable failure) {
                refusals.add(failure);
            }
        }));
        String topic = name("undeliverable");
        Inbox<String> inbox = new Inbox<>();
        Subscription subscription = bus.subscribe(topic, "g", String.class, inbox, noRetry().withConcurrency(2));
        byte[] notText = new byte[producer.largestBody()];
        Arrays.fill(notText, (byte) 0xFF); // not UTF-8: undecodable as String, so dead-lettered

        producer.publish(topic, null, Map.of(), notText);
        assertStillFlowing(topic, inbox, 0);

        if (producer.largestBodyIsTheBrokersLimit()) {
            Health health = awaitHealth(bus, h -> h.subscriptions().stream().anyMatch(s -> s.status() != HealthStatus.UP));
            Health.SubscriptionHealth stuck = health.subscriptions().stream()
                    .filter(s -> s.status() != HealthStatus.UP).findFirst().orElseThrow();
            assertNotEquals(HealthStatus.UP, stuck.status());
            assertTrue(stuck.detail() != null && stuck.detail().contains("dead-letter"),
                    "the detail says a message could not be dead-lettered: " + stuck);
            assertFalse(refusals.isEmpty(), "the listener heard of the refused dead letter");
        } else {
            Inbox<byte[]> deadLetters = new Inbox<>();
            bus.workQueue(subscription.deadLetterQueue(), byte[].class).work(deadLetters);
            assertEquals(notText.length, deadLetters.awaitCount(1, timeout()).get(0).payload().length);
        }
    }

    @Test
    void json_of_the_wrong_shape_and_bodies_that_are_not_json_are_dead_lettered_as_undecodable() throws Exception {
        MessageBus bus = connect();
        String topic = name("shape");
        Inbox<Greeting> inbox = new Inbox<>();
        Subscription subscription = bus.subscribe(topic, "g", Greeting.class, inbox);
        Inbox<byte[]> deadLetters = new Inbox<>();
        bus.workQueue(subscription.deadLetterQueue(), byte[].class).work(deadLetters);

        for (String body : List.of("{\"foo\":1}", "not json at all", "[1,2,3]", "")) {
            producer.publish(topic, null, Map.of("content-kind", "odd"), utf8(body));
        }
        producer.publish(topic, null, Map.of(), utf8(GREETING_JSON));

        assertEquals("hi", inbox.awaitCount(1, timeout()).get(0).payload().text());
        List<Message<byte[]>> letters = deadLetters.awaitCount(4, timeout());
        letters.forEach(letter -> assertEquals(DecodingException.class.getName(),
                letter.headers().get(DeadLetterHeaders.ERROR_CLASS), letter.headers().toString()));
        assertEquals(1, inbox.messages().size(), "only the well-formed greeting reached the handler: " + inbox.payloads());
    }

    private Health awaitHealth(MessageBus bus, java.util.function.Predicate<Health> condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout().toNanos();
        Health health = bus.health();
        while (!condition.test(health)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("health did not change as expected within " + timeout() + ": " + health);
            }
            TimeUnit.MILLISECONDS.sleep(50); // health is a snapshot with nothing to wait on: poll it
            health = bus.health();
        }
        return health;
    }
}
