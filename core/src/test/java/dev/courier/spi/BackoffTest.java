package dev.courier.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {

    private final Backoff backoff = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(10));

    @Test
    void the_first_failure_waits_the_first_duration() {
        assertEquals(Duration.ofSeconds(1), backoff.after(1));
    }

    @Test
    void each_further_failure_doubles_the_wait() {
        assertEquals(Duration.ofSeconds(2), backoff.after(2));
        assertEquals(Duration.ofSeconds(8), backoff.after(4));
    }

    @Test
    void the_wait_never_exceeds_the_maximum_however_many_failures() {
        assertEquals(Duration.ofSeconds(10), backoff.after(5));
        assertEquals(Duration.ofSeconds(10), backoff.after(Integer.MAX_VALUE));
    }

    @Test
    void a_zero_first_wait_or_a_maximum_below_it_is_refused() {
        assertThrows(IllegalArgumentException.class, () -> new Backoff(Duration.ZERO, Duration.ofSeconds(1)));
        assertThrows(IllegalArgumentException.class, () -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1)));
    }
}
