package dev.courier.transport.nats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.courier.api.BusOptions;
import dev.courier.api.ConsumerOptions;
import dev.courier.api.DeadLetterHeaders;
import dev.courier.api.HealthStatus;
import dev.courier.api.Message;
import dev.courier.api.MessageBus;
import dev.courier.api.RetryPolicy;
import dev.courier.api.Subscription;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The boundary of the NATS transport (issue 13): messages other NATS clients write, dead letters
 * that share an id, and closing a whole bus, on the shared server through {@link MessageBus}.
 */
@Tag("broker")
class NatsBoundaryTest {

    private static final Duration WAIT = Duration.ofSeconds(15);

    private String prefix;
    private final List<MessageBus> buses = new ArrayList<>();
    private final List<NatsForeignProducer> producers = new ArrayList<>();

    @BeforeEach
    void requireBroker() {
        NatsTestBroker.require();
        prefix = NatsTestBroker.uniquePrefix();
    }

    @AfterEach
    void cleanUp() throws Exception {
        for (MessageBus bus : buses) {
            bus.close();
        }
        for (NatsForeignProducer producer : producers) {
            producer.close();
        }
        NatsTestBroker.deleteStreams(NatsTestBroker.URL, prefix);
    }

    private MessageBus bus(String options) {
        String url = NatsTestBroker.URL + (options.isEmpty() ? "" : (NatsTestBroker.URL.contains("?") ? "&" : "?") + options);
        MessageBus bus = MessageBus.connect(url, BusOptions.defaults().withPublishTimeout(Duration.ofSeconds(10)));
        buses.add(bus);
        return bus;
    }

    private NatsForeignProducer foreign() throws Exception {
        NatsForeignProducer producer = new NatsForeignProducer(NatsTestBroker.URL);
        producers.add(producer);
        return producer;
    }

    @Test
    void aHeaderValueJnatsCannotReadIsDeliveredWithItsValueAndTheGroupGoesOn() throws Exception {
        MessageBus bus = bus("");
        String topic = prefix + ".utf8";
        Inbox inbox = new Inbox();
        bus.subscribe(topic, "g", String.class, inbox::add);
        NatsForeignProducer producer = foreign();
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("x-city", "Zürich");
        headers.put("x-plain", "ascii");
        headers.put("x-ünïcode-name", "naïve");
        producer.publish(topic, null, headers, "first".getBytes(StandardCharsets.UTF_8));
        producer.publish(topic, null, Map.of(), "second".getBytes(StandardCharsets.UTF_8));

        List<Message<String>> received = inbox.await(2, WAIT);
        Message<String> first = received.get(0);
        assertEquals("first", first.payload());
        assertEquals("Zürich", first.headers().get("x-city"));
        assertEquals("ascii", first.headers().get("x-plain"));
        assertEquals("naïve", first.headers().get("x-ünïcode-name"));
        assertEquals("second", received.get(1).payload());
        assertTrue(first.id().startsWith("nats-"), first.id());
        assertEquals(HealthStatus.UP, bus.health().status());
    }

    @Test
    void twoDifferentFailedMessagesSharingAnIdBothReachTheDeadLetterQueue() throws Exception {
        MessageBus bus = bus("");
        String topic = prefix + ".dlq";
        Subscription failing = bus.subscribe(topic, "g", String.class, message -> {
            throw new IllegalStateException("cannot handle " + message.payload());
        }, ConsumerOptions.defaults().withRetry(RetryPolicy.none()));
        Inbox dead = new Inbox();
        bus.workQueue(failing.deadLetterQueue(), String.class).work(dead::add);
        NatsForeignProducer producer = foreign();
        // CloudEvents ids are unique per source only; other producers reuse ids too
        for (String[] event : new String[][] {{"/one", "one"}, {"/two", "two"}, {"/one", "three"}, {"/one", "four"}}) {
            producer.publishCloudEvent(topic, "ce-", Map.of("id", "shared-id", "specversion", "1.0", "source", event[0],
                    "type", "t"), event[1].getBytes(StandardCharsets.UTF_8));
        }

        List<Message<String>> letters = dead.await(4, WAIT);
        Set<String> payloads = new HashSet<>();
        letters.forEach(letter -> payloads.add(letter.payload()));
        assertEquals(Set.of("one", "two", "three", "four"), payloads);
        letters.forEach(letter -> assertEquals("shared-id", letter.id()));
        assertEquals(topic, letters.get(0).headers().get(DeadLetterHeaders.ORIGINAL_TOPIC));
    }

    @Test
    void aForeignCloudEventKeepsItsAttributesAndHeadersVisibleWithPercentEncodingUndone() throws Exception {
        MessageBus bus = bus("");
        String topic = prefix + ".ce";
        Inbox inbox = new Inbox();
        bus.subscribe(topic, "g", String.class, inbox::add);
        Map<String, String> attributes = new LinkedHashMap<>();
        attributes.put("id", "évt 100% ✓");
        attributes.put("specversion", "1.0");
        attributes.put("source", "/München/orders");
        attributes.put("type", "com.example.order.created");
        attributes.put("subject", "order \"42\"");
        attributes.put("time", "2026-11-24T12:00:00.123Z");
        attributes.put("datacontenttype", "text/plain; charset=utf-8");
        attributes.put("tenantext", "acme");
        foreign().publishCloudEvent(topic, "ce-", attributes, "hello".getBytes(StandardCharsets.UTF_8));

        Message<String> event = inbox.await(1, WAIT).get(0);
        assertEquals("évt 100% ✓", event.id());
        assertEquals("text/plain; charset=utf-8", event.contentType());
        assertEquals(java.time.Instant.parse("2026-11-24T12:00:00.123Z"), event.timestamp());
        assertEquals("/München/orders", event.headers().get("ce-source"));
        assertEquals("com.example.order.created", event.headers().get("ce-type"));
        assertEquals("order \"42\"", event.headers().get("ce-subject"));
        assertEquals("acme", event.headers().get("ce-tenantext"));
        assertEquals("1.0", event.headers().get("ce-specversion"));
        assertFalse(event.headers().containsKey("content-type"));
    }

    @Test
    void aNatsContentTypeHeaderInAnyCaseIsTheContentTypeOfAMessageWithoutCloudEventsAttributes() throws Exception {
        MessageBus bus = bus("");
        String topic = prefix + ".ctype";
        Inbox inbox = new Inbox();
        bus.subscribe(topic, "g", String.class, inbox::add);
        NatsForeignProducer producer = foreign();
        producer.publish(topic, null, Map.of("Content-Type", "application/json", "x-other", "kept"),
                "{}".getBytes(StandardCharsets.UTF_8));
        producer.publish(topic, null, Map.of("content-type", "text/csv"), "a,b".getBytes(StandardCharsets.UTF_8));

        List<Message<String>> received = inbox.await(2, WAIT);
        assertEquals("application/json", received.get(0).contentType());
        assertEquals("kept", received.get(0).headers().get("x-other"));
        assertEquals("text/csv", received.get(1).contentType());
    }

    @Test
    void closingAWholeBusGivesItsHeldMessagesToAnotherMemberBeforeTheAckWait() throws Exception {
        String topic = prefix + ".busclose";
        MessageBus holder = bus("ackWait=60s");
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch holding = new CountDownLatch(4);
        holder.subscribe(topic, "g", String.class, message -> {
            holding.countDown();
            release.await();
        }, ConsumerOptions.concurrency(4).withShutdownTimeout(Duration.ofMillis(500)));
        for (int i = 0; i < 4; i++) {
            holder.publish(topic, "m" + i).toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
        assertTrue(holding.await(WAIT.toMillis(), TimeUnit.MILLISECONDS), "the first member never held the messages");
        MessageBus other = bus("ackWait=60s");
        Inbox inbox = new Inbox();
        other.subscribe(topic, "g", String.class, inbox::add);

        holder.close();

        Set<String> payloads = new HashSet<>();
        inbox.awaitMatching(messages -> {
            payloads.clear();
            messages.forEach(m -> payloads.add(m.payload()));
            return payloads.size() == 4;
        }, WAIT);
        assertEquals(Set.of("m0", "m1", "m2", "m3"), payloads);
    }

    @Test
    void aBusWithTwoHundredSubscriptionsClosesInBoundedTime() {
        MessageBus bus = bus("");
        String topic = prefix + ".many";
        for (int i = 0; i < 200; i++) {
            bus.subscribe(topic, "g" + i, String.class, message -> { }, ConsumerOptions.concurrency(1));
        }
        buses.remove(bus);
        assertTimeoutPreemptively(Duration.ofSeconds(60), bus::close, "closing 200 subscriptions took over 60 s");
    }

    @Test
    void healthStopsSayingUpWhileTheConnectionReadsNothingFromTheServer() throws Exception {
        String server = NatsSettings.parse(java.net.URI.create(NatsTestBroker.URL.replaceAll("\\?.*", "")), Map.of())
                .servers().get(0);
        int colon = server.lastIndexOf(':');
        try (FreezingProxy proxy = new FreezingProxy(server.substring(0, colon), Integer.parseInt(server.substring(colon + 1)))) {
            MessageBus bus = MessageBus.connect(NatsTestBroker.URL.replace(server, "127.0.0.1:" + proxy.port()));
            buses.add(bus);
            bus.subscribe(prefix + ".deaf", "g", String.class, message -> { });
            assertEquals(HealthStatus.UP, bus.health().status());

            proxy.freeze(true);
            awaitHealth(bus, status -> status != HealthStatus.UP, Duration.ofSeconds(15));
            proxy.freeze(false);
            awaitHealth(bus, status -> status == HealthStatus.UP, Duration.ofSeconds(45));
        }
    }

    private static void awaitHealth(MessageBus bus, Predicate<HealthStatus> wanted, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!wanted.test(bus.health().status())) {
            if (System.nanoTime() - deadline > 0) {
                fail("health still " + bus.health() + " after " + timeout);
            }
            TimeUnit.MILLISECONDS.sleep(100); // polling health, which has no notification
        }
    }

    /** Messages a handler received, in order. Thread safe. */
    private static final class Inbox {
        private final List<Message<String>> messages = new ArrayList<>();

        synchronized void add(Message<String> message) {
            messages.add(message);
            notifyAll();
        }

        List<Message<String>> await(int count, Duration timeout) throws InterruptedException {
            return awaitMatching(m -> m.size() >= count, timeout);
        }

        synchronized List<Message<String>> awaitMatching(Predicate<List<Message<String>>> done, Duration timeout)
                throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!done.test(List.copyOf(messages))) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    fail("timed out after " + timeout + "; received " + messages.stream().map(Message::payload).toList());
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
            return List.copyOf(messages);
        }
    }
}
