package dev.courier.transport.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.spi.Destination;
import org.junit.jupiter.api.Test;

class KafkaNamesTest {

    @Test
    void a_topic_keeps_its_name_and_a_queue_gets_the_queue_prefix() {
        assertEquals("orders", KafkaNames.topic(Destination.topic("orders")));
        assertEquals("courier.q.orders", KafkaNames.topic(Destination.queue("orders")));
    }

    @Test
    void group_ids_carry_the_topic_and_never_collide() {
        assertEquals("orders:billing", KafkaNames.groupId(Destination.topic("orders"), "billing"));
        assertEquals("courier.q.orders", KafkaNames.groupId(Destination.queue("orders"), null));
        assertNotEquals(KafkaNames.groupId(Destination.topic("a.b"), "c"), KafkaNames.groupId(Destination.topic("a"), "b.c"));
    }

    @Test
    void a_topic_named_like_a_queue_topic_is_refused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> KafkaNames.topic(Destination.topic("courier.q.jobs")));
        assertTrue(e.getMessage().contains("courier.q.jobs"), e.getMessage());
    }

    @Test
    void the_longest_dead_letter_queue_fits_kafkas_limit() {
        String longest = "t".repeat(120) + "." + "g".repeat(100) + ".dlq";
        assertTrue(KafkaNames.topic(Destination.queue(longest)).length() <= 249);
        assertThrows(IllegalArgumentException.class, () -> KafkaNames.topic(Destination.queue("q".repeat(240))));
    }
}
