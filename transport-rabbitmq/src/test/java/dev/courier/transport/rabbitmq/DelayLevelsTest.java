package dev.courier.transport.rabbitmq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.spi.Destination;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DelayLevelsTest {

    @Test
    void a_delay_is_counted_in_whole_seconds_rounded_up_so_it_is_never_early() {
        assertEquals(1, DelayLevels.units(1));
        assertEquals(1, DelayLevels.units(1000));
        assertEquals(2, DelayLevels.units(1001));
        assertEquals(DelayLevels.MAX_DELAY_UNITS, DelayLevels.units(Long.MAX_VALUE / 2));
    }

    @Test
    void the_routing_key_holds_the_delays_bits_from_the_highest_level_down_then_the_destination() {
        String key = DelayLevels.routingKey(5, Destination.topic("orders.created"));
        assertEquals("0.".repeat(DelayLevels.LEVELS - 3) + "1.0.1.t.orders.created", key);
        assertEquals(2, DelayLevels.firstLevel(5));
        assertTrue(DelayLevels.routingKey(5, Destination.queue("jobs")).endsWith(".q.jobs"));
    }

    @Test
    void the_delivery_binding_matches_exactly_the_keys_of_its_destination() {
        String binding = DelayLevels.deliveryBinding(Destination.queue("jobs"));
        assertEquals("*.".repeat(DelayLevels.LEVELS) + "q.jobs", binding);
    }

    @Test
    void thirty_days_fit_in_the_levels() {
        assertTrue(DelayLevels.MAX_DELAY.toDays() >= 30);
        assertTrue(DelayLevels.MAX_DELAY.getSeconds() <= DelayLevels.MAX_DELAY_UNITS);
    }

    @Test
    void a_dead_letter_history_that_starts_in_a_delay_level_is_the_delays() {
        assertTrue(DelayLevels.delayedOnly(Map.of("x-first-death-queue", "courier.delay.3")));
        assertFalse(DelayLevels.delayedOnly(Map.of("x-first-death-queue", "orders:billing")));
        assertFalse(DelayLevels.delayedOnly(Map.of()));
    }
}
