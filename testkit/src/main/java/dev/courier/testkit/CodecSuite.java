package dev.courier.testkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.google.protobuf.ListValue;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Struct;
import com.google.protobuf.Timestamp;
import com.google.protobuf.Value;
import dev.courier.api.BusOptions;
import dev.courier.api.ConsumerOptions;
import dev.courier.api.DeadLetterHeaders;
import dev.courier.api.DecodingException;
import dev.courier.api.JsonCodec;
import dev.courier.api.Message;
import dev.courier.api.MessageBus;
import dev.courier.api.OutgoingMessage;
import dev.courier.api.PublishReceipt;
import dev.courier.api.Subscription;
import dev.courier.codec.protobuf.ProtobufCodec;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
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
 * Codecs over a real transport: JSON with an application's Jackson module, strict JSON
 * dead-lettering a message of the wrong shape, Protobuf messages, and pre-encoded bytes whose
 * content type, timestamp and other attributes arrive as sent, also when a received message is
 * re-sent. A transport module runs it by subclassing and naming its broker.
 */
@Tag("conformance")
@Timeout(value = 3, unit = TimeUnit.MINUTES)
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
public abstract class CodecSuite {

    /** The start of every name the suite creates in this JVM ({@code ck-<run>-}), for clean-up. */
    public static final String RUN_PREFIX = "ck-" + UUID.randomUUID().toString().substring(0, 8) + "-";
    private static final AtomicInteger TEST_NUMBER = new AtomicInteger();

    /** Money written as {@code "12.50 EUR"}, a type only a custom module can read and write. */
    public record Money(long cents, String currency) {
    }

    /** A JSON payload with a {@link Money} inside. */
    public record Invoice(String number, Money total) {
    }

    /** The application's Jackson module for {@link Money}. */
    static final SimpleModule MONEY_MODULE = new SimpleModule("money")
            .addSerializer(Money.class, new JsonSerializer<>() {
                @Override
                public void serialize(Money money, JsonGenerator out, SerializerProvider provider) throws IOException {
                    out.writeString(money.cents() / 100 + "." + String.format("%02d", money.cents() % 100) + " "
                            + money.currency());
                }
            })
            .addDeserializer(Money.class, new JsonDeserializer<>() {
                @Override
                public Money deserialize(JsonParser in, DeserializationContext context) throws IOException {
                    String[] parts = in.getValueAsString().split(" ");
                    return new Money(Math.round(Double.parseDouble(parts[0]) * 100), parts[1]);
                }
            });

    private final List<MessageBus> buses = new CopyOnWriteArrayList<>();
    private String prefix;

    /** The broker's URL. */
    protected abstract String url();

    /** How long to wait for expected deliveries. */
    protected Duration timeout() {
        return Duration.ofSeconds(30);
    }

    /** Called before each test, for example to check the broker is reachable. */
    protected void beforeEachTest() {
    }

    @BeforeEach
    void setUp(TestInfo info) {
        beforeEachTest();
        String method = info.getTestMethod().map(m -> m.getName()).orElse("test");
        prefix = RUN_PREFIX + TEST_NUMBER.incrementAndGet() + "-" + (method.length() > 20 ? method.substring(0, 20) : method);
    }

    @AfterEach
    void tearDown() {
        for (MessageBus bus : buses) {
            try {
                bus.close();
            } catch (RuntimeException e) {
                System.err.println("closing a bus after the test: " + e);
            }
        }
        buses.clear();
    }

    /** A new bus on the broker under test with {@code options}, closed after the test. */
    protected MessageBus connect(BusOptions options) {
        MessageBus bus = MessageBus.connect(url(), options.withPublishTimeout(Duration.ofSeconds(15)));
        buses.add(bus);
        return bus;
    }

    /** A name unique to this run and test. */
    protected String name(String suffix) {
        return prefix + "." + suffix;
    }

    private <R> R await(java.util.concurrent.CompletionStage<R> stage) throws Exception {
        return stage.toCompletableFuture().get(timeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    private static Struct order() {
        return Struct.newBuilder()
                .putFields("id", Value.newBuilder().setStringValue("o-1").build())
                .putFields("total", Value.newBuilder().setNumberValue(12.5).build())
                .putFields("lines", Value.newBuilder().setListValue(ListValue.newBuilder()
                        .addValues(Value.newBuilder().setStringValue("book"))
                        .addValues(Value.newBuilder().setBoolValue(true))).build())
                .build();
    }

    @Test
    void json_written_and_read_by_the_application_s_jackson_module_round_trips() throws Exception {
        MessageBus bus = connect(BusOptions.defaults().withCodec(JsonCodec.customized(m -> m.registerModule(MONEY_MODULE))));
        String topic = name("invoices");
        Inbox<Invoice> invoices = new Inbox<>();
        Inbox<String> wire = new Inbox<>();
        bus.subscribe(topic, "billing", Invoice.class, invoices);
        bus.subscribe(topic, "audit", String.class, wire);
        Invoice invoice = new Invoice("I-1", new Money(1250, "EUR"));

        await(bus.publish(topic, invoice));

        Message<Invoice> received = invoices.awaitCount(1, timeout()).get(0);
        assertEquals(invoice, received.payload());
        assertEquals(JsonCodec.CONTENT_TYPE, received.contentType());
        assertEquals("{\"number\":\"I-1\",\"total\":\"12.50 EUR\"}", wire.awaitCount(1, timeout()).get(0).payload());
    }

    @Test
    void strict_json_dead_letters_a_message_of_the_wrong_shape_without_retry() throws Exception {
        MessageBus bus = connect(BusOptions.defaults().withCodec(JsonCodec.customized(m -> m.registerModule(MONEY_MODULE))));
        String topic = name("strict");
        Inbox<Invoice> invoices = new Inbox<>();
        Subscription subscription = bus.subscribe(topic, "billing", Invoice.class, invoices, ConsumerOptions.defaults());
        Inbox<byte[]> deadLetters = new Inbox<>();
        bus.workQueue(subscription.deadLetterQueue(), byte[].class).work(deadLetters);

        await(bus.publish(topic, Map.of("number", "I-2"))); // no total
        await(bus.publish(topic, new Invoice("I-3", new Money(5, "USD"))));

        assertEquals("I-3", invoices.awaitCount(1, timeout()).get(0).payload().number());
        Message<byte[]> letter = deadLetters.awaitCount(1, timeout()).get(0);
        assertEquals(DecodingException.class.getName(), letter.headers().get(DeadLetterHeaders.ERROR_CLASS));
        assertEquals("1", letter.headers().get(DeadLetterHeaders.ATTEMPTS), "not retried");
        assertEquals(1, invoices.messages().size(), "only the well-formed invoice reached the handler");
    }

    @Test
    void protobuf_messages_round_trip_as_application_x_protobuf() throws Exception {
        MessageBus bus = connect(BusOptions.defaults().withCodec(MessageLite.class, ProtobufCodec.instance()));
        String topic = name("orders");
        Inbox<Struct> orders = new Inbox<>();
        Inbox<Timestamp> times = new Inbox<>();
        Inbox<byte[]> raw = new Inbox<>();
        bus.subscribe(topic, "billing", Struct.class, orders);
        bus.subscribe(name("times"), "g", Timestamp.class, times);
        bus.subscribe(topic, "audit", byte[].class, raw);
        Timestamp at = Timestamp.newBuilder().setSeconds(1_795_000_000L).setNanos(123_456_789).build();

        await(bus.publish(topic, order()));
        await(bus.publish(name("times"), at));

        Message<Struct> received = orders.awaitCount(1, timeout()).get(0);
        assertEquals(order(), received.payload());
        assertEquals(ProtobufCodec.CONTENT_TYPE, received.contentType());
        assertArrayEquals(order().toByteArray(), raw.awaitCount(1, timeout()).get(0).payload());
        assertEquals(at, times.awaitCount(1, timeout()).get(0).payload());
    }

    @Test
    void bytes_with_a_given_content_type_and_timestamp_arrive_with_them() throws Exception {
        MessageBus bus = connect(BusOptions.defaults());
        String topic = name("bytes");
        Inbox<byte[]> inbox = new Inbox<>();
        bus.subscribe(topic, "g", byte[].class, inbox);
        Instant storedAt = Instant.now().minus(Duration.ofHours(1)).truncatedTo(ChronoUnit.MILLIS);
        byte[] body = order().toByteArray();

        PublishReceipt receipt = await(bus.publish(OutgoingMessage.of(topic, body)
                .withContentType(ProtobufCodec.CONTENT_TYPE).withTimestamp(storedAt)));

        Message<byte[]> received = inbox.awaitCount(1, timeout()).get(0);
        assertArrayEquals(body, received.payload());
        assertEquals(ProtobufCodec.CONTENT_TYPE, received.contentType());
        assertEquals(storedAt, received.timestamp());
        assertEquals(storedAt, receipt.timestamp());
    }

    @Test
    void a_received_message_re_sent_with_all_its_attributes_arrives_identical() throws Exception {
        MessageBus bus = connect(BusOptions.defaults());
        String topic = name("original");
        String replay = name("replay");
        Inbox<byte[]> first = new Inbox<>();
        Inbox<byte[]> second = new Inbox<>();
        bus.subscribe(topic, "g", byte[].class, first);
        bus.subscribe(replay, "g", byte[].class, second);
        Instant storedAt = Instant.now().minus(Duration.ofHours(2)).truncatedTo(ChronoUnit.MILLIS);
        await(bus.publish(OutgoingMessage.of(topic, "{\"n\":1}".getBytes(java.nio.charset.StandardCharsets.UTF_8))
                .withKey("c-1").withHeader("tenant", "acme").withType("order.placed")
                .withContentType("application/vnd.acme.order+json").withTimestamp(storedAt)));
        Message<byte[]> original = first.awaitCount(1, timeout()).get(0);

        await(bus.publish(new OutgoingMessage(replay, original.payload(), original.key(), original.headers(),
                original.id(), original.type(), original.contentType(), original.timestamp())));

        Message<byte[]> replayed = second.awaitCount(1, timeout()).get(0);
        assertEquals(original.id(), replayed.id());
        assertEquals("c-1", replayed.key());
        assertEquals(original.headers(), replayed.headers());
        assertEquals("acme", replayed.headers().get("tenant"));
        assertEquals("order.placed", replayed.type());
        assertEquals("application/vnd.acme.order+json", replayed.contentType());
        assertEquals(storedAt, replayed.timestamp());
        assertArrayEquals(original.payload(), replayed.payload());
    }
}
