package dev.courier.transport.rabbitmq;

import dev.courier.testkit.Brokers;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.GetResponse;
import dev.courier.api.HealthStatus;
import dev.courier.api.PublishException;
import dev.courier.spi.Consumer;
import dev.courier.spi.ConsumerSpec;
import dev.courier.spi.Delivery;
import dev.courier.spi.Destination;
import dev.courier.spi.Envelope;
import dev.courier.spi.Transport;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The RabbitMQ specifics below the contract, through the SPI against the real broker. */
@Tag("broker")
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class RabbitMqTransportTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    private final String prefix = "rt-" + UUID.randomUUID().toString().substring(0, 8);
    private final List<Transport> transports = new ArrayList<>();
    private final Set<String> queues = ConcurrentHashMap.newKeySet();
    private final Set<String> exchanges = ConcurrentHashMap.newKeySet();

    @BeforeEach
    void brokerIsUp() {
        TestBroker.requireReachable();
    }

    @AfterEach
    void cleanUp() {
        transports.forEach(Transport::close);
        TestBroker.delete(queues, exchanges);
    }

    private Transport open(Map<String, String> options) {
        Transport transport = new RabbitMqTransportProvider().open(URI.create(TestBroker.URL), options);
        transports.add(transport);
        return transport;
    }

    private String queue(String suffix) {
        String name = prefix + "." + suffix;
        queues.add(name);
        return name;
    }

    private String topic(String suffix) {
        String name = prefix + "." + suffix;
        exchanges.add(name);
        return name;
    }

    private static Envelope envelope(Destination destination, String text) {
        return new Envelope(UUID.randomUUID().toString(), destination, null, Map.of(),
                text.getBytes(StandardCharsets.UTF_8), "text/plain; charset=utf-8", Instant.now().truncatedTo(ChronoUnit.MILLIS));
    }

    private static void sendAndWait(Transport transport, Envelope envelope) {
        transport.send(envelope).toCompletableFuture().orTimeout(WAIT.toSeconds(), TimeUnit.SECONDS).join();
    }

    private static Delivery next(BlockingQueue<Delivery> deliveries) throws InterruptedException {
        Delivery delivery = deliveries.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertNotNull(delivery, "no delivery within " + WAIT);
        return delivery;
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out after " + WAIT + " waiting for " + what);
            }
            TimeUnit.MILLISECONDS.sleep(50); // polling broker-side state: nothing to wait on
        }
    }

    @Test
    void a_send_to_a_queue_that_does_not_exist_fails_naming_the_queue() {
        Transport transport = open(Map.of());
        Destination missing = Destination.queue(prefix + ".never-declared");
        CompletionException failure = assertThrows(CompletionException.class,
                () -> sendAndWait(transport, envelope(missing, "lost?")));
        PublishException cause = assertInstanceOf(PublishException.class, failure.getCause());
        assertTrue(cause.getMessage().contains(missing.name()), cause.getMessage());

        // the channel survives: the next send to a real queue works
        Destination real = Destination.queue(queue("real"));
        transport.declare(real);
        sendAndWait(transport, envelope(real, "kept"));
    }

    @Test
    void a_message_to_a_topic_without_groups_is_confirmed_and_dropped() {
        Transport transport = open(Map.of());
        Destination topic = Destination.topic(topic("lonely"));
        transport.declare(topic);
        sendAndWait(transport, envelope(topic, "nobody listens"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"classic", "quorum"})
    void a_rejected_delivery_comes_back_with_a_higher_delivery_count(String queueType) throws Exception {
        Transport transport = open(Map.of("queueType", queueType));
        Destination jobs = Destination.queue(queue("count-" + queueType));
        BlockingQueue<Delivery> deliveries = new LinkedBlockingQueue<>();
        transport.consume(new ConsumerSpec(jobs, null, 4), deliveries::add);
        Envelope sent = envelope(jobs, "again");
        sendAndWait(transport, sent);

        Delivery first = next(deliveries);
        assertEquals(1, first.deliveryCount());
        first.reject();
        first.reject(); // idempotent
        Delivery second = next(deliveries);
        assertEquals(sent.id(), second.envelope().id());
        assertEquals(2, second.deliveryCount());
        if (queueType.equals("quorum")) {
            second.reject();
            assertEquals(3, next(deliveries).deliveryCount(), "quorum queues count every delivery");
        } else {
            second.ack();
        }
    }

    @Test
    void a_queue_of_another_type_is_refused_with_a_hint() {
        Transport classic = open(Map.of());
        String name = queue("typed");
        classic.declare(Destination.queue(name));
        Transport quorum = open(Map.of("queueType", "quorum"));
        RuntimeException e = assertThrows(RuntimeException.class, () -> quorum.declare(Destination.queue(name)));
        assertTrue(e.getMessage().contains(name) && e.getMessage().contains("queueType"), e.getMessage());
        // the declaration channel is replaced: the next declaration works
        quorum.declare(Destination.queue(queue("after")));
    }

    @Test
    void a_name_with_the_reserved_amq_prefix_is_refused_quoting_the_broker() {
        Transport transport = open(Map.of());
        RuntimeException e = assertThrows(RuntimeException.class,
                () -> transport.declare(Destination.queue("amq." + prefix + ".jobs")));
        assertInstanceOf(dev.courier.api.ConnectionException.class, e);
        assertTrue(e.getMessage().contains("amq."), e.getMessage());
        transport.declare(Destination.queue(queue("fine"))); // the declaration channel was replaced
    }

    @Test
    void every_envelope_field_round_trips_even_beyond_amqp_short_strings() throws Exception {
        Transport transport = open(Map.of());
        Destination jobs = Destination.queue(queue("fields"));
        BlockingQueue<Delivery> deliveries = new LinkedBlockingQueue<>();
        transport.consume(new ConsumerSpec(jobs, null, 4), deliveries::add);
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("greeting", "Grüße, 世界! 👋");
        headers.put("empty", "");
        headers.put("x-request-id", "r-1");
        String longId = "id-" + "é".repeat(200); // 400+ bytes in UTF-8
        String longType = "application/vnd.example+json; profile=" + "p".repeat(300);
        byte[] payload = new byte[256];
        for (int i = 0; i < payload.length; i++) {
            payload[i] = (byte) i;
        }
        Envelope sent = new Envelope(longId, jobs, "ключ", headers, payload, longType,
                Instant.parse("2026-11-24T12:34:56.789Z"));
        sendAndWait(transport, sent);

        Delivery delivery = next(deliveries);
        assertEquals(sent, delivery.envelope());
        assertArrayEquals(payload, delivery.envelope().payload());
        delivery.ack();
    }

    @Test
    void courier_messages_carry_cloud_events_attributes_for_other_clients() throws Exception {
        Transport transport = open(Map.of());
        Destination jobs = Destination.queue(queue("ce-out"));
        transport.declare(jobs);
        Envelope sent = envelope(jobs, "{}");
        sendAndWait(transport, sent);

        try (Connection connection = TestBroker.adminConnection(); Channel channel = connection.createChannel()) {
            GetResponse response = channel.basicGet(jobs.name(), true);
            assertNotNull(response);
            AMQP.BasicProperties properties = response.getProps();
            assertNull(properties.getMessageId(), "the id travels once, as cloudEvents_id");
            assertEquals(2, properties.getDeliveryMode(), "persistent");
            assertEquals(sent.contentType(), properties.getContentType());
            Map<String, Object> table = properties.getHeaders();
            assertEquals(sent.id(), table.get("cloudEvents_id").toString());
            assertEquals("1.0", table.get("cloudEvents_specversion").toString());
            assertEquals(jobs.name(), table.get("cloudEvents_type").toString());
            assertEquals("/courier/" + jobs.name(), table.get("cloudEvents_source").toString());
            assertNull(table.get("cloudEvents_time"), "the time travels as the timestamp property and courier-ms");
            assertEquals(sent.timestamp().getEpochSecond(), properties.getTimestamp().getTime() / 1000);
        }
    }

    @Test
    void messages_from_other_amqp_clients_are_received() throws Exception {
        Transport transport = open(Map.of());
        Destination jobs = Destination.queue(queue("foreign"));
        BlockingQueue<Delivery> deliveries = new LinkedBlockingQueue<>();
        transport.consume(new ConsumerSpec(jobs, null, 4), deliveries::add);
        Map<String, Object> cloudEvent = new HashMap<>();
        cloudEvent.put("cloudEvents_id", "ce-42");
        cloudEvent.put("cloudEvents_specversion", "1.0");
        cloudEvent.put("cloudEvents_time", "2026-11-24T10:00:00.250Z");
        cloudEvent.put("region", "eu");
        cloudEvent.put("attempt", 3);
        try (Connection connection = TestBroker.adminConnection(); Channel channel = connection.createChannel()) {
            channel.basicPublish("", jobs.name(), null, "bare".getBytes(StandardCharsets.UTF_8));
            channel.basicPublish("", jobs.name(), new AMQP.BasicProperties.Builder().headers(cloudEvent)
                    .contentType("application/json").build(), "{}".getBytes(StandardCharsets.UTF_8));
        }

        Envelope bare = next(deliveries).envelope();
        assertFalse(bare.id().isEmpty());
        assertEquals("application/octet-stream", bare.contentType());
        assertEquals(Map.of(), bare.headers());
        assertNull(bare.key());
        Envelope event = next(deliveries).envelope();
        assertEquals("ce-42", event.id());
        assertEquals(Instant.parse("2026-11-24T10:00:00.250Z"), event.timestamp());
        assertEquals("application/json", event.contentType());
        assertEquals(Map.of("region", "eu", "attempt", "3", "cloudEvents_specversion", "1.0"), event.headers(),
                "an attribute that is not the id, time or content type stays visible");
    }

    @Test
    void deliveries_from_before_a_lost_connection_are_redelivered_and_their_acks_ignored() throws Exception {
        Assumptions.assumeTrue(TestBroker.isLocal(), "the broker is remote (COURIER_AMQP_URL): rabbitmqctl cannot reach it");
        Brokers.requireTool(RabbitMqCtl.available(), "needs rabbitmqctl on the broker's machine");
        String name = prefix + "-conn";
        Transport transport = open(Map.of("connectionName", name));
        Destination jobs = Destination.queue(queue("reconnect"));
        BlockingQueue<Delivery> deliveries = new LinkedBlockingQueue<>();
        Consumer consumer = transport.consume(new ConsumerSpec(jobs, null, 3), deliveries::add);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Envelope sent = envelope(jobs, "job" + i);
            ids.add(sent.id());
            sendAndWait(transport, sent);
        }
        List<Delivery> before = List.of(next(deliveries), next(deliveries), next(deliveries));

        closeConnection(name + " (consumer)");
        await(() -> transport.state().status() == HealthStatus.RECONNECTING
                || consumer.state().status() == HealthStatus.RECONNECTING, "the loss to show in the state");
        await(() -> transport.state().status() == HealthStatus.UP && consumer.state().status() == HealthStatus.UP,
                "the reconnection");
        before.forEach(Delivery::ack); // tags of the lost channel: ignored, and they free the in-flight slots

        List<Delivery> again = List.of(next(deliveries), next(deliveries), next(deliveries));
        assertEquals(Set.copyOf(ids), Set.copyOf(again.stream().map(d -> d.envelope().id()).toList()));
        again.forEach(d -> assertEquals(2, d.deliveryCount()));
        again.forEach(Delivery::ack);
        Envelope marker = envelope(jobs, "marker");
        sendAndWait(transport, marker);
        Delivery last = next(deliveries);
        assertEquals(marker.id(), last.envelope().id(), "nothing acked came back; the channel still works");
        last.ack();
        assertEquals(HealthStatus.UP, consumer.state().status(), consumer.state().detail());
    }

    @Test
    void a_send_while_disconnected_is_published_once_the_connection_is_back() throws Exception {
        Assumptions.assumeTrue(TestBroker.isLocal(), "the broker is remote (COURIER_AMQP_URL): rabbitmqctl cannot reach it");
        Brokers.requireTool(RabbitMqCtl.available(), "needs rabbitmqctl on the broker's machine");
        String name = prefix + "-wait";
        Transport transport = open(Map.of("connectionName", name, "recoveryInterval", "1s", "confirmTimeout", "20s"));
        Destination jobs = Destination.queue(queue("waiting"));
        transport.declare(jobs);

        closeConnection(name + " (publisher)");
        await(() -> transport.state().status() == HealthStatus.RECONNECTING, "the loss to show in the state");
        Envelope sent = envelope(jobs, "sent while down");
        sendAndWait(transport, sent);

        BlockingQueue<Delivery> deliveries = new LinkedBlockingQueue<>();
        transport.consume(new ConsumerSpec(jobs, null, 4), deliveries::add);
        assertEquals(sent.id(), next(deliveries).envelope().id());
    }

    @Test
    void a_send_while_disconnected_fails_after_the_confirm_timeout() throws Exception {
        Assumptions.assumeTrue(TestBroker.isLocal(), "the broker is remote (COURIER_AMQP_URL): rabbitmqctl cannot reach it");
        Brokers.requireTool(RabbitMqCtl.available(), "needs rabbitmqctl on the broker's machine");
        String name = prefix + "-late";
        Transport transport = open(Map.of("connectionName", name, "recoveryInterval", "30s", "confirmTimeout", "500ms"));
        Destination jobs = Destination.queue(queue("late"));
        transport.declare(jobs);

        closeConnection(name + " (publisher)");
        await(() -> transport.state().status() == HealthStatus.RECONNECTING, "the loss to show in the state");
        assertTrue(transport.state().detail().contains("reconnecting"), transport.state().detail());
        long start = System.nanoTime();
        CompletionException failure = assertThrows(CompletionException.class,
                () -> sendAndWait(transport, envelope(jobs, "too late")));
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        PublishException cause = assertInstanceOf(PublishException.class, failure.getCause());
        assertTrue(cause.getMessage().contains("confirmTimeout"), cause.getMessage());
        assertTrue(millis < 5_000, "failed soon after the 500 ms confirm timeout, took " + millis + " ms");
    }

    @Test
    void a_consumer_whose_queue_is_deleted_reports_failed() throws Exception {
        Transport transport = open(Map.of());
        Destination jobs = Destination.queue(queue("doomed"));
        Consumer consumer = transport.consume(new ConsumerSpec(jobs, null, 4), delivery -> { });
        assertEquals(HealthStatus.UP, consumer.state().status());
        try (Connection connection = TestBroker.adminConnection(); Channel channel = connection.createChannel()) {
            channel.queueDelete(jobs.name());
        }
        await(() -> consumer.state().status() == HealthStatus.FAILED, "the consumer to report the deleted queue");
        assertTrue(consumer.state().detail().contains(jobs.name()), consumer.state().detail());
        assertEquals(HealthStatus.UP, transport.state().status(), "the connection itself is fine");
        consumer.close();
        assertEquals(HealthStatus.CLOSED, consumer.state().status());
    }

    private static void closeConnection(String userProvidedName) throws Exception {
        List<String> rows = List.of();
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (rows.isEmpty() && System.nanoTime() < deadline) {
            rows = RabbitMqCtl.run("-s", "list_connections", "pid", "client_properties").stream()
                    .filter(row -> row.contains("{\"connection_name\",\"" + userProvidedName + "\"}"))
                    .toList();
            if (rows.isEmpty()) {
                TimeUnit.MILLISECONDS.sleep(200); // the broker lists a new connection with a delay
            }
        }
        assertEquals(1, rows.size(), "one connection named " + userProvidedName);
        RabbitMqCtl.run("close_connection", rows.get(0).split("\t")[0], "closed by a Courier test");
    }
}
