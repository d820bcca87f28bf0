package dev.courier.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** JSON by Jackson: the application's mapper or modules, strict by default, lenient on request. */
@Timeout(30)
class JsonCodecTest {

    /** Money as "12.50 EUR" on the wire, by a custom module. */
    record Money(long cents, String currency) {
    }

    record Invoice(String number, Money total) {
    }

    record UserCreated(String userId, String email) {
    }

    static final SimpleModule MONEY = new SimpleModule("money")
            .addSerializer(Money.class, new JsonSerializer<>() {
                @Override
                public void serialize(Money money, JsonGenerator out, SerializerProvider provider) throws IOException {
                    out.writeString(money.cents() / 100 + "." + String.format("%02d", money.cents() % 100) + " " + money.currency());
                }
            })
            .addDeserializer(Money.class, new JsonDeserializer<>() {
                @Override
                public Money deserialize(JsonParser in, DeserializationContext context) throws IOException {
                    String[] parts = in.getValueAsString().split(" ");
                    return new Money(Math.round(Double.parseDouble(parts[0]) * 100), parts[1]);
                }
            });

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void a_customized_codec_uses_the_registered_module_both_ways() throws Exception {
        JsonCodec codec = JsonCodec.customized(mapper -> mapper.registerModule(MONEY));
        Invoice invoice = new Invoice("I-1", new Money(1250, "EUR"));

        byte[] json = codec.encode(invoice);

        assertEquals("{\"number\":\"I-1\",\"total\":\"12.50 EUR\"}", new String(json, StandardCharsets.UTF_8));
        assertEquals(invoice, codec.decode(json, JsonCodec.CONTENT_TYPE, Invoice.class));
    }

    @Test
    void a_codec_of_the_application_s_mapper_writes_as_that_mapper_does() throws Exception {
        ObjectMapper mapper = new ObjectMapper().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);
        JsonCodec codec = JsonCodec.of(mapper);
        UserCreated user = new UserCreated("u-1", "a@example.com");

        assertEquals("{\"user_id\":\"u-1\",\"email\":\"a@example.com\"}", new String(codec.encode(user), StandardCharsets.UTF_8));
        assertEquals(user, codec.decode(codec.encode(user), JsonCodec.CONTENT_TYPE, UserCreated.class));
    }

    @Test
    void decoding_is_strict_by_default_and_lenient_on_request() throws Exception {
        JsonCodec strict = JsonCodec.defaults();
        assertTrue(strict.strictDecoding());
        IOException e = assertThrows(IOException.class, () -> strict.decode(utf8("{\"foo\":1}"), "application/json", UserCreated.class));
        assertTrue(e.getMessage().contains("withLenientDecoding"), e.getMessage());

        assertEquals(new UserCreated(null, null), strict.lenient().decode(utf8("{\"foo\":1}"), "application/json", UserCreated.class));
        assertEquals(new UserCreated(null, null),
                strict.withStrictDecoding(false).decode(utf8("{\"foo\":1}"), "application/json", UserCreated.class));
        assertSame(strict, strict.withStrictDecoding(true));
    }

    @Test
    void a_bus_with_a_customized_codec_sends_and_receives_through_its_module() throws Exception {
        try (MessageBus bus = MessageBus.connect("memory://json-" + UUID.randomUUID(),
                BusOptions.defaults().withCodec(JsonCodec.customized(mapper -> mapper.registerModule(MONEY))))) {
            BlockingQueue<Message<Invoice>> invoices = new LinkedBlockingQueue<>();
            BlockingQueue<Message<String>> wire = new LinkedBlockingQueue<>();
            bus.subscribe("invoices", "billing", Invoice.class, invoices::add);
            bus.subscribe("invoices", "audit", String.class, wire::add);
            Invoice invoice = new Invoice("I-1", new Money(1250, "EUR"));

            bus.publish("invoices", invoice).toCompletableFuture().get(10, TimeUnit.SECONDS);

            Message<Invoice> received = invoices.poll(10, TimeUnit.SECONDS);
            assertNotNull(received, "the invoice");
            assertEquals(invoice, received.payload());
            assertEquals("{\"number\":\"I-1\",\"total\":\"12.50 EUR\"}", wire.poll(10, TimeUnit.SECONDS).payload());
        }
    }

    @Test
    void a_lenient_bus_codec_accepts_json_of_the_wrong_shape() throws Exception {
        try (MessageBus bus = MessageBus.connect("memory://json-" + UUID.randomUUID(),
                BusOptions.defaults().withCodec(JsonCodec.defaults().withStrictDecoding(false)))) {
            BlockingQueue<Message<UserCreated>> users = new LinkedBlockingQueue<>();
            bus.subscribe("users", "mailer", UserCreated.class, users::add);

            bus.publish("users", java.util.Map.of("foo", 1)).toCompletableFuture().get(10, TimeUnit.SECONDS);

            Message<UserCreated> received = users.poll(10, TimeUnit.SECONDS);
            assertNotNull(received, "the message, accepted");
            assertEquals(new UserCreated(null, null), received.payload());
        }
    }

    @Test
    void type_routes_decode_with_the_bus_s_codecs() throws Exception {
        try (MessageBus bus = MessageBus.connect("memory://json-" + UUID.randomUUID(),
                BusOptions.defaults().withCodec(JsonCodec.customized(mapper -> mapper.registerModule(MONEY))))) {
            BlockingQueue<Invoice> invoices = new LinkedBlockingQueue<>();
            bus.subscribe("invoices", "billing", TypeRoutes.of("invoice", Invoice.class, m -> invoices.add(m.payload())));

            bus.publish(OutgoingMessage.of("invoices", "{\"number\":\"I-2\",\"total\":\"1.05 USD\"}").withType("invoice"))
                    .toCompletableFuture().get(10, TimeUnit.SECONDS);

            assertEquals(new Invoice("I-2", new Money(105, "USD")), invoices.poll(10, TimeUnit.SECONDS));
        }
    }
}
