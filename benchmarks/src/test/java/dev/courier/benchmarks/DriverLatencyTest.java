package dev.courier.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.HdrHistogram.ConcurrentHistogram;
import org.junit.jupiter.api.Test;

/** The driver's latency figures come from HdrHistogram (3 significant digits), in microseconds. */
class DriverLatencyTest {

    @Test
    void percentiles_in_micros_are_within_a_tenth_of_a_percent_of_the_recorded_nanos() {
        ConcurrentHistogram nanos = new ConcurrentHistogram(3);
        for (long micros = 1; micros <= 10_000; micros++) {
            nanos.recordValue(micros * 1_000);
        }

        assertEquals(10_000, nanos.getTotalCount());
        assertWithinATenthOfAPercent(5_000, Driver.micros(nanos, 50));
        assertWithinATenthOfAPercent(9_900, Driver.micros(nanos, 99));
        assertWithinATenthOfAPercent(9_990, Driver.micros(nanos, 99.9));
    }

    @Test
    void an_empty_histogram_has_no_percentiles() {
        assertTrue(Double.isNaN(Driver.micros(new ConcurrentHistogram(3), 50)));
    }

    private static void assertWithinATenthOfAPercent(double expected, double actual) {
        assertTrue(Math.abs(actual - expected) <= expected * 0.001, () -> "expected about " + expected + " but was " + actual);
    }
}
