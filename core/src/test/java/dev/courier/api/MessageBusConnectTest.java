package dev.courier.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class MessageBusConnectTest {

    @Test
    void an_unknown_scheme_is_rejected_listing_the_installed_schemes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MessageBus.connect("mqtt://host:1883"));
        assertTrue(e.getMessage().contains("'mqtt'"), e.getMessage());
        assertTrue(e.getMessage().contains("[memory]"), e.getMessage());
    }

    @Test
    void a_url_without_scheme_is_rejected_with_examples() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MessageBus.connect("localhost:9092"));
        assertTrue(e.getMessage().contains("has no scheme"), e.getMessage());
        assertTrue(e.getMessage().contains("memory://"), e.getMessage());
    }

    @Test
    void a_malformed_url_is_rejected_naming_the_bad_part() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MessageBus.connect("memory://bad host"));
        assertTrue(e.getMessage().contains("malformed broker URL 'memory://bad host'"), e.getMessage());
        assertTrue(e.getMessage().contains("Illegal character in authority in 'bad host'"), e.getMessage());
    }

    @Test
    void a_malformed_query_option_is_rejected_naming_it() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MessageBus.connect("memory://?oops"));
        assertTrue(e.getMessage().contains("'oops'"), e.getMessage());
    }

    @Test
    void an_unknown_transport_option_is_rejected_naming_it() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MessageBus.connect("memory://?colour=red"));
        assertTrue(e.getMessage().contains("'colour'"), e.getMessage());
    }

    @Test
    void a_password_in_the_url_never_appears_in_errors() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MessageBus.connect("mqtt://user:s3cret@host:1883"));
        assertFalse(e.getMessage().contains("s3cret"), e.getMessage());
        assertTrue(e.getMessage().contains("user:***@host"), e.getMessage());
    }

    @Test
    void memory_without_a_name_connects() {
        try (MessageBus bus = MessageBus.connect("memory://")) {
            assertEquals("MessageBus[memory://]", bus.toString());
        }
    }

    @Test
    void a_null_url_is_rejected_naming_it() {
        assertEquals("url", assertThrows(NullPointerException.class, () -> MessageBus.connect(null)).getMessage());
    }
}
