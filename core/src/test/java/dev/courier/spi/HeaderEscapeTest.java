package dev.courier.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class HeaderEscapeTest {

    private final HeaderEscape escape = new HeaderEscape(HeaderEscape.startingWithAnyCase("ce_", "x-death"));

    @Test
    void a_name_the_transport_does_not_reserve_travels_as_it_is() {
        assertEquals("tenant", escape.toWire("tenant"));
        assertEquals("tenant", HeaderEscape.fromWire("tenant"));
    }

    @Test
    void a_reserved_name_travels_escaped_and_arrives_under_its_own_name() {
        String wire = escape.toWire("CE_subject");

        assertTrue(wire.startsWith(HeaderEscape.PREFIX), wire);
        assertEquals("CE_subject", HeaderEscape.fromWire(wire));
    }

    @Test
    void a_name_that_looks_escaped_is_escaped_again_so_it_arrives_unchanged() {
        String foreign = HeaderEscape.PREFIX + "dGVuYW50";

        assertEquals(foreign, HeaderEscape.fromWire(escape.toWire(foreign)));
    }

    @Test
    void a_name_after_the_prefix_that_is_not_base64url_stays_as_it_is() {
        assertEquals(HeaderEscape.PREFIX + "not base64!", HeaderEscape.fromWire(HeaderEscape.PREFIX + "not base64!"));
    }

    @Test
    void any_utf8_name_round_trips() {
        assertEquals("ce_ü:名前", HeaderEscape.fromWire(escape.toWire("ce_ü:名前")));
    }
}
