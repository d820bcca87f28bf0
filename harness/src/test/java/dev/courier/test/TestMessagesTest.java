package dev.courier.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.courier.api.Message;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TestMessagesTest {

    record OrderPlaced(String orderId, long cents) {
    }

    @Test
    void a_message_of_a_payload_is_a_first_attempt_on_the_default_topic_without_key_or_headers() {
        Message<OrderPlaced> message = TestMessages.of(new OrderPlaced("o-1", 100));

        assertEquals(TestMessages.DEFAULT_TOPIC, message.topic());
        assertEquals(1, message.attempt());
        assertNull(message.key());
        assertEquals(Map.of(), message.headers());
        assertEquals(new OrderPlaced("o-1", 100), message.payload());
    }

    @Test
    void the_content_type_is_the_one_courier_sends_the_payload_with() {
        assertEquals("application/json", TestMessages.of(new OrderPlaced("o-1", 100)).contentType());
        assertEquals("text/plain; charset=utf-8", TestMessages.of("text").contentType());
        assertEquals("application/octet-stream", TestMessages.of(new byte[] {1}).contentType());
    }

    @Test
    void the_builder_sets_what_a_test_cares_about() {
        Instant when = Instant.parse("2026-01-02T03:04:05.678Z");
        Message<String> message = TestMessages.builder("hello").id("m-1").topic("orders").key("o-1")
                .header("tenant", "acme").timestamp(when).attempt(3).build();

        assertEquals(new Message<>("m-1", "orders", "o-1", Map.of("tenant", "acme"), "hello", "text/plain; charset=utf-8",
                when, 3), message);
    }
}
