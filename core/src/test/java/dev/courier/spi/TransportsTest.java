package dev.courier.spi;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class TransportsTest {

    @Test
    void a_query_option_without_a_name_is_refused_without_showing_its_value() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Transports.open("memory://x?=S3cret-Value", Map.of()));
        assertTrue(e.getMessage().contains("expected name=value"), e.getMessage());
        assertFalse(e.getMessage().contains("S3cret"), e.getMessage());
    }

    @Test
    void an_unknown_memory_option_is_refused_naming_it() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Transports.open("memory://x?maxMessageByte=1", Map.of()));
        assertTrue(e.getMessage().contains("'maxMessageByte'") && e.getMessage().contains("maxMessageBytes"),
                e.getMessage());
    }
}
