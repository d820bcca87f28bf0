package dev.courier.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LatencyHistogramTest {

    @Test
    void percentilesAreWithinOnePercentOfTheRecordedValues() {
        LatencyHistogram histogram = new LatencyHistogram();
        for (long micros = 1; micros <= 10_000; micros++) {
            histogram.record(micros * 1_000);
        }

        assertEquals(10_000, histogram.count());
        assertWithinOnePercent(5_000_000, histogram.quantile(0.50));
        assertWithinOnePercent(9_900_000, histogram.quantile(0.99));
        assertWithinOnePercent(9_990_000, histogram.quantile(0.999));
    }

    @Test
    void smallValuesAreExactAndAnEmptyHistogramHasNoPercentiles() {
        LatencyHistogram histogram = new LatencyHistogram();
        assertTrue(Double.isNaN(histogram.quantile(0.5)));

        histogram.record(42);

        assertEquals(42, histogram.quantile(0.5));
    }

    private static void assertWithinOnePercent(double expected, double actual) {
        assertTrue(Math.abs(actual - expected) <= expected * 0.01, () -> "expected about " + expected + " but was " + actual);
    }
}
