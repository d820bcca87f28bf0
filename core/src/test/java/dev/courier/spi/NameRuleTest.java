package dev.courier.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class NameRuleTest {

    /** What a queue service with names of {@code [A-Za-z0-9_-]{1,80}} would state. */
    private final NameRule strict = new NameRule(80, "_-");

    @Test
    void a_name_the_broker_holds_is_kept_as_it_is() {
        assertEquals("orders_v1-eu", strict.map("orders_v1-eu"));
    }

    @Test
    void a_name_with_characters_the_broker_refuses_maps_to_one_it_holds() {
        String mapped = strict.map("orders.created");

        assertTrue(strict.allows(mapped), mapped);
        assertTrue(mapped.startsWith("orders_created_"), mapped);
    }

    @Test
    void a_name_too_long_for_the_broker_maps_to_one_that_fits() {
        String longName = "a".repeat(120) + ".dlq";

        String mapped = strict.map(longName);

        assertEquals(80, mapped.length());
        assertTrue(strict.allows(mapped), mapped);
    }

    @Test
    void mapping_is_the_same_every_time() {
        assertEquals(strict.map("orders.created"), new NameRule(80, "_-").map("orders.created"));
    }

    @Test
    void names_differing_only_in_a_refused_character_map_apart() {
        assertNotEquals(strict.map("orders.created"), strict.map("orders-created.x".substring(0, 14)));
        assertNotEquals(strict.map("a.b"), strict.map("a_b"));
    }

    @Test
    void courier_names_need_no_mapping_under_courier_rule() {
        assertTrue(NameRule.COURIER.allows("orders.created_v1-" + "x".repeat(200)));
        assertFalse(NameRule.COURIER.allows("orders:created"));
    }

    @Test
    void a_rule_without_room_for_the_digest_is_refused() {
        assertThrows(IllegalArgumentException.class, () -> new NameRule(8, "-"));
    }
}
