package dev.courier.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Instant;
import java.util.SplittableRandom;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class CloudEventsTest {

    @Test
    void a_time_in_the_form_courier_writes_reads_as_the_instant_written() {
        SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < 100_000; i++) {
            Instant written = Instant.ofEpochMilli(random.nextLong(0, 253_402_300_799_999L)); // year 0000 to 9999
            assertEquals(written, CloudEvents.time(written.toString()), written.toString());
        }
    }

    @Test
    void other_rfc3339_forms_are_read_too() {
        assertEquals(Instant.parse("2026-11-29T15:40:01Z"), CloudEvents.time("2026-11-29T15:40:01Z"));
        assertEquals(Instant.parse("2026-11-29T15:40:01.123456789Z"), CloudEvents.time("2026-11-29T15:40:01.123456789Z"));
        assertEquals(Instant.parse("2026-11-29T14:40:01.500Z"), CloudEvents.time("2026-11-29T15:40:01.500+01:00"));
    }

    @Test
    void an_unreadable_time_is_null() {
        assertNull(CloudEvents.time("2026-02-30T00:00:00.000Z"));
        assertNull(CloudEvents.time("2026-13-01T00:00:00.000Z"));
        assertNull(CloudEvents.time("2026-11-29T15:60:00.000Z"));
        assertNull(CloudEvents.time("2026-11-29T15:4x:01.123Z"));
        assertNull(CloudEvents.time("yesterday"));
        assertNull(CloudEvents.time(""));
    }
}
