package dev.courier.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
}
