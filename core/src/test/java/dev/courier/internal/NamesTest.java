package dev.courier.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NamesTest {

    @Test
    void letters_digits_dots_underscores_and_dashes_are_accepted() {
        assertEquals("user.created_v2-eu", Names.topic("user.created_v2-eu"));
    }

    @Test
    void a_control_character_is_shown_escaped_in_the_error() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Names.topic("bad\u0001name"));
        assertTrue(e.getMessage().contains("bad\\u0001name"), e.getMessage());
    }

    @Test
    void a_dead_letter_queue_of_the_longest_topic_and_group_is_a_valid_queue_name() {
        String dlq = Names.deadLetterQueue("t".repeat(120), "g".repeat(100));
        assertEquals(225, dlq.length());
        assertEquals(dlq, Names.queue(dlq));
    }

    @Test
    void names_reserved_by_a_broker_are_refused_on_every_broker() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Names.queue("amq.jobs"));
        assertTrue(e.getMessage().contains("'amq.jobs'"), e.getMessage());
    }

    @Test
    void an_ordinary_queue_name_is_limited_to_120_characters() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Names.queue("q".repeat(121)));
        assertTrue(e.getMessage().contains("121 characters"), e.getMessage());
    }

    @Test
    void header_names_of_courier_cloudevents_and_the_brokers_are_refused_in_any_case() {
        for (String reserved : List.of("courier-key", "Courier-Id", "ce_id", "ce-source", "cloudEvents_type",
                "CLOUDEVENTS_time", "Nats-Msg-Id", "nats-expected-stream", "x-death", "x-first-death-queue",
                "content-type", "Content-Type", "content_type", "CC", "bcc")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Names.headers(Map.of(reserved, "v")), reserved);
            assertTrue(e.getMessage().contains("reserved") && e.getMessage().contains(reserved), e.getMessage());
        }
    }

    @Test
    void header_names_that_only_resemble_reserved_ones_are_accepted() {
        Names.headers(Map.of("courier", "v", "cex", "v", "nats", "v", "x-request-id", "v", "content", "v",
                "ccy", "v", "traceparent", "v", "tenant_ce-id", "v"));
    }
}
