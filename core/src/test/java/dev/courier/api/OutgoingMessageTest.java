package dev.courier.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Content type and timestamp of an outgoing message, and re-sending a received one unchanged. */
@Timeout(30)
class OutgoingMessageTest {

    private static final Instant STORED_AT = Instant.parse("2026-11-20T08:30:00.123Z");

    private final MessageBus bus = MessageBus.connect("memory://outgoing-" + UUID.randomUUID());

    @AfterEach
    void close() {
        bus.close();
    }

    private BlockingQueue<Message<byte[]>> inbox(String topic) {
        BlockingQueue<Message<byte[]>> inbox = new LinkedBlockingQueue<>();
        bus.subscribe(topic, "g", byte[].class, inbox::add);
        return inbox;
    }

    private static Message<byte[]> next(BlockingQueue<Message<byte[]>> inbox) throws InterruptedException {
        Message<byte[]> message = inbox.poll(10, TimeUnit.SECONDS);
        assertNotNull(message, "a message within 10 s");
        return message;
    }

    @Test
    void the_old_constructors_leave_content_type_and_timestamp_to_the_bus() {
        OutgoingMessage five = new OutgoingMessage("t", "x", "k", Map.of(), "id-1");
        OutgoingMessage six = new OutgoingMessage("t", "x", "k", Map.of(), "id-1", "a.type");
        assertNull(five.contentType());
        assertNull(six.timestamp());
        assertEquals("a.type", six.type());
    }

    @Test
    void a_content_type_must_be_non_blank_text_without_control_characters() {
        assertThrows(IllegalArgumentException.class, () -> OutgoingMessage.of("t", new byte[0]).withContentType(" "));
        assertThrows(IllegalArgumentException.class,
                () -> OutgoingMessage.of("t", new byte[0]).withContentType("application/json\r\nx: y"));
    }

    @Test
    void a_timestamp_keeps_milliseconds_the_precision_brokers_keep() {
        Instant precise = Instant.parse("2026-11-20T08:30:00.123456789Z");
        assertEquals(STORED_AT, OutgoingMessage.of("t", "x").withTimestamp(precise).timestamp());
    }

    @Test
    void bytes_with_a_content_type_arrive_with_that_content_type() throws Exception {
        BlockingQueue<Message<byte[]>> inbox = inbox("protos");

        bus.publish(OutgoingMessage.of("protos", new byte[] {8, 1}).withContentType("application/x-protobuf"));

        assertEquals("application/x-protobuf", next(inbox).contentType());
    }

    @Test
    void a_given_timestamp_is_the_received_timestamp_and_the_receipt_s() throws Exception {
        BlockingQueue<Message<byte[]>> inbox = inbox("stored");

        PublishReceipt receipt = bus.publish(OutgoingMessage.of("stored", "x").withTimestamp(STORED_AT))
                .toCompletableFuture().get(10, TimeUnit.SECONDS);

        assertEquals(STORED_AT, receipt.timestamp());
        assertEquals(STORED_AT, next(inbox).timestamp());
    }

    @Test
    void a_received_message_re_sent_with_all_its_attributes_arrives_identical() throws Exception {
        BlockingQueue<Message<byte[]>> first = inbox("orders");
        BlockingQueue<Message<byte[]>> second = inbox("orders.replay");
        bus.publish(OutgoingMessage.of("orders", new byte[] {1, 2, 3}).withKey("c-1").withHeader("tenant", "acme")
                .withType("order.placed").withContentType("application/vnd.acme.order+json").withTimestamp(STORED_AT));
        Message<byte[]> original = next(first);

        bus.publish(new OutgoingMessage("orders.replay", original.payload(), original.key(), original.headers(),
                original.id(), original.type(), original.contentType(), original.timestamp()));
        Message<byte[]> replayed = next(second);

        assertEquals(original.id(), replayed.id());
        assertEquals(original.key(), replayed.key());
        assertEquals(original.headers(), replayed.headers());
        assertEquals(original.type(), replayed.type());
        assertEquals(original.contentType(), replayed.contentType());
        assertEquals(original.timestamp(), replayed.timestamp());
        assertArrayEquals(original.payload(), replayed.payload());
        assertEquals(new Message<>(original.id(), "orders.replay", "c-1", Map.of("tenant", "acme"), null,
                "application/vnd.acme.order+json", STORED_AT, 1, "order.placed"), replayed.withPayload(null));
    }

    @Test
    void copy_of_a_received_message_has_every_attribute() throws Exception {
        Message<byte[]> received = new Message<>("id-1", "orders", "c-1", Map.of("tenant", "acme"), new byte[] {1},
                "application/x-protobuf", STORED_AT, 3, "order.placed");

        OutgoingMessage copy = OutgoingMessage.copyOf("orders.replay", received);

        assertEquals(new OutgoingMessage("orders.replay", received.payload(), "c-1", Map.of("tenant", "acme"), "id-1",
                "order.placed", "application/x-protobuf", STORED_AT), copy);
    }

    @Test
    void a_delay_becomes_a_due_time_from_now_and_zero_means_at_once() {
        Instant before = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
        OutgoingMessage delayed = OutgoingMessage.of("reminders", "r").withDelay(java.time.Duration.ofMinutes(5));
        assertFalse(delayed.deliverAt().isBefore(before.plusSeconds(300)));
        assertNull(delayed.withDelay(java.time.Duration.ZERO).deliverAt());
        assertThrows(IllegalArgumentException.class,
                () -> OutgoingMessage.of("reminders", "r").withDelay(java.time.Duration.ofSeconds(-1)));
        assertEquals(delayed.deliverAt(), delayed.withKey("k").withHeader("a", "b").deliverAt(), "kept by every with...");
    }
}
