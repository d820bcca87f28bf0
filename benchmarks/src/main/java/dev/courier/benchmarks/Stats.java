package dev.courier.benchmarks;

import java.util.Arrays;

/** Medians and spreads of a few repeats; NaN values (a side not measured) are left out. */
final class Stats {

    private Stats() {
    }

    /** The median of the finite values, NaN when there are none. */
    static double median(double[] values) {
        double[] sorted = finite(values);
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int middle = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    /** The smallest finite value, NaN when there are none. */
    static double min(double[] values) {
        double[] sorted = finite(values);
        return sorted.length == 0 ? Double.NaN : sorted[0];
    }

    /** The largest finite value, NaN when there are none. */
    static double max(double[] values) {
        double[] sorted = finite(values);
        return sorted.length == 0 ? Double.NaN : sorted[sorted.length - 1];
    }

    private static double[] finite(double[] values) {
        return Arrays.stream(values).filter(Double::isFinite).sorted().toArray();
    }
}
