package dev.courier.transport.nats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.api.ConnectionException;
import dev.courier.api.HealthStatus;
import dev.courier.api.PublishException;
import dev.courier.spi.Consumer;
import dev.courier.spi.ConsumerSpec;
import dev.courier.spi.Delivery;
import dev.courier.spi.Destination;
import dev.courier.spi.Envelope;
import dev.courier.spi.Transport;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("broker")
class NatsTransportTest {

    private static final Duration WAIT = Duration.ofSeconds(15);

    private String prefix;
    private final List<Transport> transports = new ArrayList<>();

    @BeforeEach
    void requireBroker() {
        NatsTestBroker.require();
        prefix = NatsTestBroker.uniquePrefix();
    }

    @AfterEach
    void cleanUp() {
        transports.forEach(Transport::close);
        NatsTestBroker.deleteStreams(NatsTestBroker.URL, prefix);
    }

    private Transport open(Map<String, String> options) {
        Transport transport = new NatsTransportProvider().open(URI.create(NatsTestBroker.URL), options);
        transports.add(transport);
        return transport;
    }

    private static Envelope envelope(Destination destination, String key, Map<String, String> headers, byte[] payload) {
        return new Envelope(UUID.randomUUID().toString(), destination, key, headers, payload, "application/octet-stream",
                Instant.now().truncatedTo(ChronoUnit.MILLIS));
    }

    private static void send(Transport transport, Envelope envelope) {
        transport.send(envelope).toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join();
    }

    @Test
    void everyEnvelopeFieldSurvivesTheRoundTrip() {
        Transport transport = open(Map.of());
        Destination topic = Destination.topic(prefix + ".round.trip");
        transport.declare(topic);
        RecordingSink sink = new RecordingSink(true);
        transport.consume(new ConsumerSpec(topic, "g", 16), sink);

        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("tenant", "acme");
        headers.put("名前", "値 ✓ héllo");
        headers.put("empty", "");
        headers.put("padded", "  spaces  ");
        headers.put("multi", "line\nbreak");
        headers.put("courier-error-class", "java.lang.IllegalStateException");
        headers.put("Courier-Id", "not the id");
        headers.put("Nats-Msg-Id", "not the message id");
        headers.put("ce-id", "not the event id");
        headers.put("looks=?UTF-8?B?encoded", "=?UTF-8?B?aGk=?=");
        Envelope rich = new Envelope("id-" + UUID.randomUUID() + "-ünïcode", topic, "clé ✓", headers, new byte[0],
                "application/json; charset=utf-8", Instant.ofEpochMilli(1_700_000_000_123L));
        Envelope plain = envelope(topic, null, Map.of(), new byte[] {0, 1, 2, (byte) 0xff});
        send(transport, rich);
        send(transport, plain);

        List<Delivery> received = sink.awaitCount(2, WAIT);
        assertEquals(rich, received.get(0).envelope());
        assertEquals(plain, received.get(1).envelope());
        assertArrayEquals(new byte[0], received.get(0).envelope().payload());
        assertEquals(1, received.get(0).deliveryCount());
        assertEquals(topic, received.get(0).envelope().destination());
    }

    @Test
    void messagesFromOtherNatsClientsArriveWithWhatTheyCarry() throws Exception {
        Transport transport = open(Map.of());
        Destination topic = Destination.topic(prefix + ".foreign");
        transport.declare(topic);
        RecordingSink sink = new RecordingSink(true);
        transport.consume(new ConsumerSpec(topic, "g", 4), sink);
        io.nats.client.Connection raw = NatsTestBroker.connect(NatsTestBroker.URL);
        try {
            io.nats.client.impl.Headers cloudEvent = new io.nats.client.impl.Headers()
                    .put("ce-id", "evt-1").put("ce-specversion", "1.0").put("ce-source", "/elsewhere")
                    .put("ce-type", "com.example.thing").put("ce-time", "2026-11-24T12:00:00.123456Z")
                    .put("ce-datacontenttype", "application/json").put("tenant", "acme");
            raw.jetStream().publish(NatsNames.subject(topic), cloudEvent, "{}".getBytes());
            raw.jetStream().publish(NatsNames.subject(topic), "bare".getBytes());
        } finally {
            raw.close();
        }
        List<Delivery> received = sink.awaitCount(2, WAIT);
        Envelope event = received.get(0).envelope();
        assertEquals("evt-1", event.id());
        assertEquals(Instant.parse("2026-11-24T12:00:00.123Z"), event.timestamp());
        assertEquals("application/json", event.contentType());
        // the attributes Courier does not map stay visible, as on every transport
        assertEquals(Map.of("tenant", "acme", "ce-source", "/elsewhere", "ce-type", "com.example.thing",
                "ce-specversion", "1.0"), event.headers());
        Envelope bare = received.get(1).envelope();
        assertEquals("nats-" + NatsNames.stream(topic) + "-2", bare.id());
        assertEquals("application/octet-stream", bare.contentType());
        assertArrayEquals("bare".getBytes(), bare.payload());
        assertEquals(topic, bare.destination());
    }

    @Test
    void aQueueKeepsWhatWasSentBeforeAnyConsumerAndNeverMeetsTheTopicOfTheSameName() {
        Transport transport = open(Map.of());
        String name = prefix + ".same";
        Destination queue = Destination.queue(name);
        Destination topic = Destination.topic(name);
        transport.declare(queue);
        transport.declare(topic);
        RecordingSink topicSink = new RecordingSink(true);
        transport.consume(new ConsumerSpec(topic, "g", 16), topicSink);
        Envelope job = envelope(queue, null, Map.of(), "job".getBytes());
        send(transport, job);

        RecordingSink workers = new RecordingSink(true);
        transport.consume(new ConsumerSpec(queue, null, 16), workers);
        assertEquals(job, workers.awaitCount(1, WAIT).get(0).envelope());
        assertEquals(queue, workers.deliveries().get(0).envelope().destination());
        assertFalse(topicSink.waitForCount(1, Duration.ofSeconds(1)), "the topic must not see the queue's job");
    }

    @Test
    void everyGroupGetsEveryMessageAndMembersOfAGroupShareThem() {
        Transport transport = open(Map.of());
        Destination topic = Destination.topic(prefix + ".fan");
        transport.declare(topic);
        RecordingSink a1 = new RecordingSink(true);
        RecordingSink a2 = new RecordingSink(true);
        RecordingSink b = new RecordingSink(true);
        transport.consume(new ConsumerSpec(topic, "a", 4), a1);
        transport.consume(new ConsumerSpec(topic, "a", 4), a2);
        transport.consume(new ConsumerSpec(topic, "b", 4), b);
        Set<String> sent = new HashSet<>();
        for (int i = 0; i < 40; i++) {
            Envelope e = envelope(topic, "k" + (i % 3), Map.of(), ("m" + i).getBytes());
            sent.add(e.id());
            send(transport, e);
        }
        b.awaitCount(40, WAIT);
        assertTrue(waitUntil(() -> a1.deliveries().size() + a2.deliveries().size() >= 40, WAIT));
        Set<String> groupA = new HashSet<>();
        a1.deliveries().forEach(d -> groupA.add(d.envelope().id()));
        a2.deliveries().forEach(d -> groupA.add(d.envelope().id()));
        assertEquals(sent, groupA);
        assertEquals(40, a1.deliveries().size() + a2.deliveries().size(), "each message to one member of a group");
        Set<String> groupB = new HashSet<>();
        b.deliveries().forEach(d -> groupB.add(d.envelope().id()));
        assertEquals(sent, groupB);
    }

    @Test
    void aGroupKeepsMessagesPublishedWhileNoMemberRuns() {
        Transport transport = open(Map.of());
        Destination topic = Destination.topic(prefix + ".durable");
        transport.declare(topic);
        transport.consume(new ConsumerSpec(topic, "g", 4), new RecordingSink(true)).close();
        Envelope kept = envelope(topic, null, Map.of(), "kept".getBytes());
        send(transport, kept);
        RecordingSink later = new RecordingSink(true);
        transport.consume(new ConsumerSpec(topic, "g", 4), later);
        assertEquals(kept, later.awaitCount(1, WAIT).get(0).envelope());
    }

    @Test
    void neverMoreThanMaxInFlightUnsettledDeliveries() {
        Transport transport = open(Map.of());
        Destination queue = Destination.queue(prefix + ".bounded");
        transport.declare(queue);
        for (int i = 0; i < 20; i++) {
            send(transport, envelope(queue, null, Map.of(), new byte[] {(byte) i}));
        }
        RecordingSink sink = new RecordingSink(false);
        transport.consume(new ConsumerSpec(queue, null, 3), sink);
        sink.awaitCount(3, WAIT);
        assertFalse(sink.waitForCount(4, Duration.ofSeconds(1)), "a fourth delivery while three are unsettled");
        sink.deliveries().get(0).ack();
        sink.awaitCount(4, WAIT);
        assertFalse(sink.waitForCount(5, Duration.ofMillis(500)));
        for (int settled = 1; settled < 20; settled++) {
            sink.awaitCount(Math.min(20, settled + 3), WAIT);
            assertTrue(sink.deliveries().size() <= settled + 3, "in flight above 3 after " + settled + " acks");
            sink.deliveries().get(settled).ack();
        }
        assertEquals(20, sink.awaitCount(20, WAIT).size());
    }

    @Test
    void aRejectedDeliveryComesBackCountingUp() {
        Transport transport = open(Map.of());
        Destination queue = Destination.queue(prefix + ".reject");
        transport.declare(queue);
        RecordingSink sink = new RecordingSink(false);
        transport.consume(new ConsumerSpec(queue, null, 1), sink);
        Envelope e = envelope(queue, "k", Map.of("h", "v"), "x".getBytes());
        send(transport, e);
        Delivery first = sink.awaitCount(1, WAIT).get(0);
        assertEquals(1, first.deliveryCount());
        first.reject();
        first.ack(); // ignored: already settled
        Delivery second = sink.awaitCount(2, WAIT).get(1);
        assertEquals(e, second.envelope());
        assertEquals(2, second.deliveryCount());
        second.ack();
    }

    @Test
    void stopFetchingStopsDeliveriesWhileAcksStillWorkAndCloseGivesTheRestBack() {
        Transport transport = open(Map.of());
        Destination queue = Destination.queue(prefix + ".stop");
        transport.declare(queue);
        for (int i = 0; i < 4; i++) {
            send(transport, envelope(queue, null, Map.of(), new byte[] {(byte) i}));
        }
        RecordingSink sink = new RecordingSink(false);
        Consumer consumer = transport.consume(new ConsumerSpec(queue, null, 2), sink);
        List<Delivery> held = sink.awaitCount(2, WAIT);
        consumer.stopFetching();
        held.get(0).ack();
        assertFalse(sink.waitForCount(3, Duration.ofSeconds(1)), "a delivery after stopFetching");
        consumer.close();

        RecordingSink next = new RecordingSink(true);
        long start = System.nanoTime();
        transport.consume(new ConsumerSpec(queue, null, 8), next);
        List<Delivery> rest = next.awaitCount(3, WAIT);
        assertTrue(Duration.ofNanos(System.nanoTime() - start).compareTo(Duration.ofSeconds(10)) < 0,
                "given back at once, not after the ack wait");
        assertTrue(rest.stream().anyMatch(d -> d.envelope().id().equals(held.get(1).envelope().id())
                && d.deliveryCount() == 2), "the unsettled delivery comes back");
        assertFalse(rest.stream().anyMatch(d -> d.envelope().id().equals(held.get(0).envelope().id())),
                "the acked delivery does not come back");
        assertFalse(next.waitForCount(4, Duration.ofSeconds(1)));
    }

    @Test
    void aDeliveryHeldLongerThanTheAckWaitIsNotRedelivered() {
        Transport transport = open(Map.of("ackWait", "1s"));
        Destination queue = Destination.queue(prefix + ".slow");
        transport.declare(queue);
        RecordingSink slow = new RecordingSink(false);
        RecordingSink other = new RecordingSink(true);
        transport.consume(new ConsumerSpec(queue, null, 1), slow);
        send(transport, envelope(queue, null, Map.of(), "slow".getBytes()));
        Delivery held = slow.awaitCount(1, WAIT).get(0);
        transport.consume(new ConsumerSpec(queue, null, 1), other);
        assertFalse(other.waitForCount(1, Duration.ofMillis(3500)), "redelivered while held");
        held.ack();
    }

    @Test
    void declaringTwiceIsANoOpAndAConflictingConfigurationNamesBoth() {
        Transport transport = open(Map.of());
        Destination topic = Destination.topic(prefix + ".conflict");
        transport.declare(topic);
        transport.declare(topic);
        Transport again = open(Map.of());
        again.declare(topic);
        Transport memory = open(Map.of("storage", "memory"));
        ConnectionException e = assertThrows(ConnectionException.class, () -> memory.declare(topic));
        assertTrue(e.getMessage().contains("existing") && e.getMessage().contains("wanted"), e.getMessage());
        String message = e.getMessage().toLowerCase(java.util.Locale.ROOT);
        assertTrue(message.contains("storage=file") && message.contains("storage=memory"), e.getMessage());

        transport.consume(new ConsumerSpec(topic, "g", 4), new RecordingSink(true)).close();
        Transport otherAckWait = open(Map.of("ackWait", "10s"));
        ConnectionException c = assertThrows(ConnectionException.class,
                () -> otherAckWait.consume(new ConsumerSpec(topic, "g", 4), new RecordingSink(true)));
        assertTrue(c.getMessage().contains("30s") && c.getMessage().contains("10s"), c.getMessage());
    }

    @Test
    void publishingToAStreamThatWasDeletedFails() throws Exception {
        Transport transport = open(Map.of());
        Destination topic = Destination.topic(prefix + ".gone");
        transport.declare(topic);
        NatsTestBroker.deleteStream(NatsTestBroker.URL, NatsNames.stream(topic));
        CompletionException e = assertThrows(CompletionException.class,
                () -> transport.send(envelope(topic, null, Map.of(), new byte[1])).toCompletableFuture()
                        .orTimeout(10, TimeUnit.SECONDS).join());
        PublishException failure = assertInstanceOf(PublishException.class, e.getCause());
        assertTrue(failure.getMessage().contains(topic.toString()), failure.getMessage());
    }

    @Test
    void aConsumerDeletedOnTheServerReportsFailed() throws Exception {
        Transport transport = open(Map.of());
        Destination jobs = Destination.queue(prefix + ".doomed");
        transport.declare(jobs);
        Consumer consumer = transport.consume(new ConsumerSpec(jobs, null, 4), new RecordingSink(true));
        assertEquals(HealthStatus.UP, consumer.state().status());

        NatsTestBroker.deleteConsumer(NatsTestBroker.URL, NatsNames.stream(jobs), NatsNames.QUEUE_CONSUMER);

        assertTrue(waitUntil(() -> consumer.state().status() == HealthStatus.FAILED, WAIT),
                "the consumer to report its deletion, state " + consumer.state());
        assertTrue(consumer.state().detail().contains(NatsNames.QUEUE_CONSUMER), consumer.state().detail());
        assertEquals(HealthStatus.UP, transport.state().status(), "the connection itself is fine");
        consumer.close();
        assertEquals(HealthStatus.CLOSED, consumer.state().status());
    }

    @Test
    void sendingAfterCloseFails() {
        Transport transport = open(Map.of());
        Destination topic = Destination.topic(prefix + ".closed");
        transport.declare(topic);
        transport.close();
        CompletionException e = assertThrows(CompletionException.class,
                () -> transport.send(envelope(topic, null, Map.of(), new byte[1])).toCompletableFuture().join());
        assertInstanceOf(PublishException.class, e.getCause());
    }

    @Test
    void maxMessageBytesComesFromTheServerAndSuchAMessageFits() throws Exception {
        Transport transport = open(Map.of());
        long max = transport.capabilities().maxMessageBytes();
        long serverMax = NatsTestBroker.maxPayload();
        assertTrue(max < serverMax && max >= serverMax * 3 / 4, max + " of " + serverMax);
        Destination queue = Destination.queue(prefix + ".big");
        transport.declare(queue);
        Map<String, String> headers = Map.of("courier-error-message", "x".repeat(2000), "ünï", "cödé");
        Envelope big = envelope(queue, "key", headers, new byte[(int) max]);
        send(transport, big);
        RecordingSink sink = new RecordingSink(true);
        transport.consume(new ConsumerSpec(queue, null, 1), sink);
        assertEquals(big, sink.awaitCount(1, WAIT).get(0).envelope());
    }

    @Test
    void anUnreachableServerFailsFastNamingTheAddressButNotThePassword() throws Exception {
        int port = NatsServerProcess.freePort();
        long start = System.nanoTime();
        ConnectionException e = assertThrows(ConnectionException.class, () -> new NatsTransportProvider()
                .open(URI.create("nats://ada:s3cr3t@127.0.0.1:" + port), Map.of("connectTimeout", "2s")));
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertTrue(took.compareTo(Duration.ofSeconds(10)) < 0, "took " + took);
        assertTrue(e.getMessage().contains("127.0.0.1:" + port), e.getMessage());
        for (Throwable t = e; t != null; t = t.getCause()) {
            assertFalse(String.valueOf(t.getMessage()).contains("s3cr3t"), t.getMessage());
        }
    }

    @Test
    void aTailSeesAMessageAnotherConnectionPublishesAsSoonAsTheTailHasStarted() {
        Transport tailing = open(Map.of());
        Transport publishing = open(Map.of());
        Destination topic = Destination.topic(prefix + ".tailed");
        publishing.declare(topic);
        for (int i = 0; i < 20; i++) {
            RecordingSink sink = new RecordingSink(true);
            Envelope first = envelope(topic, "k", Map.of(), new byte[] {(byte) i});
            try (Consumer tail = tailing.tail(topic, sink)) {
                send(publishing, first);

                assertEquals(first.id(), sink.awaitCount(1, WAIT).get(0).envelope().id(), "tail " + i);
            }
        }
    }

    @Test
    void anUnknownOptionIsRejectedBeforeConnecting() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new NatsTransportProvider().open(URI.create("nats://127.0.0.1:1"), Map.of("ackwait", "1s")));
        assertTrue(e.getMessage().contains("ackwait"), e.getMessage());
    }

    private static boolean waitUntil(java.util.function.BooleanSupplier condition, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Object monitor = new Object();
        synchronized (monitor) {
            while (!condition.getAsBoolean()) {
                if (System.nanoTime() > deadline) {
                    return false;
                }
                try {
                    monitor.wait(20);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
        }
        return true;
    }
}
