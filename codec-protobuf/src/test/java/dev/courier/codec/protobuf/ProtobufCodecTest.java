package dev.courier.codec.protobuf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.ListValue;
import com.google.protobuf.MessageLite;
import com.google.protobuf.StringValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Timestamp;
import com.google.protobuf.Value;
import dev.courier.api.BusOptions;
import dev.courier.api.DeadLetterHeaders;
import dev.courier.api.DecodingException;
import dev.courier.api.Message;
import dev.courier.api.MessageBus;
import dev.courier.api.OutgoingMessage;
import dev.courier.api.Subscription;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class ProtobufCodecTest {

    private final ProtobufCodec codec = ProtobufCodec.instance();

    private static Struct order() {
        return Struct.newBuilder()
                .putFields("id", Value.newBuilder().setStringValue("o-1").build())
                .putFields("total", Value.newBuilder().setNumberValue(12.5).build())
                .putFields("lines", Value.newBuilder().setListValue(ListValue.newBuilder()
                        .addValues(Value.newBuilder().setStringValue("book"))).build())
                .build();
    }

    @Test
    void a_message_encodes_as_its_wire_form_with_the_protobuf_content_type() {
        Struct order = order();
        assertArrayEquals(order.toByteArray(), codec.encode(order));
        assertEquals("application/x-protobuf", codec.contentType());
    }

    @Test
    void bytes_decode_into_the_class_asked_for() throws Exception {
        Timestamp at = Timestamp.newBuilder().setSeconds(1_795_000_000L).setNanos(5).build();
        assertEquals(at, codec.decode(at.toByteArray(), ProtobufCodec.CONTENT_TYPE, Timestamp.class));
        assertEquals(order(), codec.decode(order().toByteArray(), ProtobufCodec.CONTENT_TYPE, Struct.class));
        assertEquals(StringValue.of(""), codec.decode(new byte[0], ProtobufCodec.CONTENT_TYPE, StringValue.class),
                "empty bytes are the default instance");
    }

    @Test
    void bytes_that_are_not_a_valid_encoding_fail() {
        assertThrows(InvalidProtocolBufferException.class,
                () -> codec.decode(new byte[] {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF}, ProtobufCodec.CONTENT_TYPE, Struct.class));
    }

    @Test
    void json_or_text_bodies_are_not_taken_for_protobuf() {
        byte[] json = "{\"id\":\"o-1\"}".getBytes(StandardCharsets.UTF_8);
        assertThrows(IllegalArgumentException.class, () -> codec.decode(json, "application/json", Struct.class));
        assertThrows(IllegalArgumentException.class, () -> codec.decode(json, "text/plain; charset=utf-8", Struct.class));
    }

    @Test
    void a_payload_that_is_not_a_protobuf_message_cannot_be_encoded() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> codec.encode(new Object()));
        assertTrue(e.getMessage().contains("java.lang.Object"), e.getMessage());
    }

    @Test
    void decoding_into_an_interface_names_the_remedy() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> codec.decode(new byte[0], ProtobufCodec.CONTENT_TYPE, MessageLite.class));
        assertTrue(e.getMessage().contains("generated class"), e.getMessage());
    }

    @Test
    void a_bus_sends_protobuf_messages_with_the_codec_and_other_payloads_as_json() throws Exception {
        try (MessageBus bus = MessageBus.connect("memory://protobuf-" + UUID.randomUUID(),
                ProtobufCodec.registeredIn(BusOptions.defaults()))) {
            BlockingQueue<Message<Struct>> orders = new LinkedBlockingQueue<>();
            BlockingQueue<Message<byte[]>> raw = new LinkedBlockingQueue<>();
            bus.subscribe("orders", "billing", Struct.class, orders::add);
            bus.subscribe("orders", "audit", byte[].class, raw::add);

            bus.publish("orders", order()).toCompletableFuture().get(10, TimeUnit.SECONDS);

            Message<Struct> received = orders.poll(10, TimeUnit.SECONDS);
            assertNotNull(received, "the order");
            assertEquals(order(), received.payload());
            assertEquals(ProtobufCodec.CONTENT_TYPE, received.contentType());
            Message<byte[]> bytes = raw.poll(10, TimeUnit.SECONDS);
            assertNotNull(bytes, "the raw order");
            assertArrayEquals(order().toByteArray(), bytes.payload());

            BlockingQueue<Message<byte[]>> json = new LinkedBlockingQueue<>();
            bus.subscribe("notes", "g", byte[].class, json::add);
            bus.publish("notes", java.util.Map.of("a", 1)).toCompletableFuture().get(10, TimeUnit.SECONDS);
            assertEquals("application/json", json.poll(10, TimeUnit.SECONDS).contentType());
        }
    }

    @Test
    void a_message_that_is_not_protobuf_is_dead_lettered_as_undecodable() throws Exception {
        try (MessageBus bus = MessageBus.connect("memory://protobuf-" + UUID.randomUUID(),
                ProtobufCodec.registeredIn(BusOptions.defaults()))) {
            BlockingQueue<Message<Struct>> orders = new LinkedBlockingQueue<>();
            Subscription subscription = bus.subscribe("orders", "billing", Struct.class, orders::add);
            BlockingQueue<Message<byte[]>> deadLetters = new LinkedBlockingQueue<>();
            bus.workQueue(subscription.deadLetterQueue(), byte[].class).work(deadLetters::add);

            bus.publish(OutgoingMessage.of("orders", new byte[] {(byte) 0xFF, (byte) 0xFF})
                    .withContentType(ProtobufCodec.CONTENT_TYPE)).toCompletableFuture().get(10, TimeUnit.SECONDS);

            Message<byte[]> letter = deadLetters.poll(10, TimeUnit.SECONDS);
            assertNotNull(letter, "the dead letter");
            assertEquals(DecodingException.class.getName(), letter.headers().get(DeadLetterHeaders.ERROR_CLASS));
            assertEquals("1", letter.headers().get(DeadLetterHeaders.ATTEMPTS), "not retried");
            assertTrue(orders.isEmpty());
        }
    }
}
