package dev.courier.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class DurationsTest {

    @Test
    void every_unit_from_milliseconds_to_days_is_read() {
        assertEquals(Duration.ofMillis(500), Durations.parse("500ms"));
        assertEquals(Duration.ofSeconds(30), Durations.parse("30s"));
        assertEquals(Duration.ofMinutes(5), Durations.parse("5m"));
        assertEquals(Duration.ofHours(2), Durations.parse("2h"));
        assertEquals(Duration.ofDays(1), Durations.parse("1d"));
    }

    @Test
    void iso_8601_is_read_too() {
        assertEquals(Duration.ofSeconds(30), Durations.parse("PT30S"));
        assertEquals(Duration.ofDays(7), Durations.parse("P7D"));
    }

    @Test
    void surrounding_blanks_are_ignored() {
        assertEquals(Duration.ofSeconds(5), Durations.parse(" 5s "));
    }

    @Test
    void a_bare_number_is_refused_with_a_hint_to_add_a_unit() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Durations.parse("30"));
        assertTrue(e.getMessage().contains("30ms or 30s"), e.getMessage());
    }

    @Test
    void other_text_is_refused_showing_the_syntax() {
        for (String bad : new String[] {"soon", "5 s", "5sec", "1.5s", "-1s", ""}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Durations.parse(bad), bad);
            assertTrue(e.getMessage().contains(Durations.SYNTAX), e.getMessage());
        }
    }

    @Test
    void a_duration_too_long_to_hold_is_refused() {
        assertThrows(IllegalArgumentException.class, () -> Durations.parse("99999999999999999999s"));
        assertThrows(IllegalArgumentException.class, () -> Durations.parse("9223372036854775807d"));
    }

    @Test
    void a_negative_iso_duration_is_returned_for_the_range_check_to_refuse() {
        assertEquals(Duration.ofSeconds(-1), Durations.parse("-PT1S"));
    }

    @Test
    void format_writes_the_largest_exact_unit_and_parses_back() {
        assertEquals("0s", Durations.format(Duration.ZERO));
        assertEquals("1500ms", Durations.format(Duration.ofMillis(1500)));
        assertEquals("30s", Durations.format(Duration.ofSeconds(30)));
        assertEquals("5m", Durations.format(Duration.ofMinutes(5)));
        assertEquals("7d", Durations.format(Duration.ofDays(7)));
        assertEquals(Long.MAX_VALUE + "s", Durations.format(Duration.ofSeconds(Long.MAX_VALUE)));
        for (String text : new String[] {"1500ms", "90s", "2h", "3d"}) {
            assertEquals(text, Durations.format(Durations.parse(text)));
        }
    }
}
