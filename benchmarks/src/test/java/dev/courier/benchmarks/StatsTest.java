package dev.courier.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The repeats' median and spread leave out what was not measured. */
class StatsTest {

    @Test
    void theMedianOfAnOddCountIsTheMiddleValueAndOfAnEvenCountTheMeanOfTheTwoMiddleOnes() {
        assertEquals(0.9, Stats.median(new double[] {1.2, 0.9, 0.5}));
        assertEquals(1.0, Stats.median(new double[] {0.8, 1.2}));
    }

    @Test
    void missingRepeatsAreLeftOut() {
        double[] values = {Double.NaN, 0.7, 0.9, Double.NaN};

        assertEquals(0.8, Stats.median(values), 1e-9);
        assertEquals(0.7, Stats.min(values));
        assertEquals(0.9, Stats.max(values));
        assertTrue(Double.isNaN(Stats.median(new double[] {Double.NaN})));
    }
}
