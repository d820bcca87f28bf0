package dev.courier.benchmarks;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A log-linear histogram of latencies in nanoseconds (128 sub-buckets per power of two, so a
 * percentile is within 1% of the true value). Thread safe and allocation free when recording.
 */
final class LatencyHistogram {

    private static final int SUB_BITS = 7;
    private static final int SUB = 1 << SUB_BITS;
    private static final int MAX_EXPONENT = 42; // about 73 minutes
    private final AtomicLongArray counts = new AtomicLongArray(SUB + (MAX_EXPONENT - SUB_BITS + 1) * SUB);

    /** Records one latency; negative values count as zero. */
    void record(long nanos) {
        counts.incrementAndGet(index(Math.max(0, nanos)));
    }

    static int index(long value) {
        if (value < SUB) {
            return (int) value;
        }
        int exponent = Math.min(63 - Long.numberOfLeadingZeros(value), MAX_EXPONENT);
        long mantissa = Math.min(value >>> (exponent - SUB_BITS), 2L * SUB - 1);
        return SUB + (exponent - SUB_BITS) * SUB + (int) (mantissa - SUB);
    }

    /** The middle of the bucket at {@code index}, in nanoseconds. */
    static double valueAt(int index) {
        if (index < SUB) {
            return index;
        }
        int exponent = (index - SUB) / SUB + SUB_BITS;
        long mantissa = (index - SUB) % SUB + SUB;
        long low = mantissa << (exponent - SUB_BITS);
        long width = 1L << (exponent - SUB_BITS);
        return low + width / 2.0;
    }

    long count() {
        long total = 0;
        for (int i = 0; i < counts.length(); i++) {
            total += counts.get(i);
        }
        return total;
    }

    /** The latency at {@code quantile} (0..1) in nanoseconds, or NaN when nothing was recorded. */
    double quantile(double quantile) {
        long total = count();
        if (total == 0) {
            return Double.NaN;
        }
        long rank = (long) Math.ceil(quantile * total);
        long seen = 0;
        for (int i = 0; i < counts.length(); i++) {
            seen += counts.get(i);
            if (seen >= Math.max(1, rank)) {
                return valueAt(i);
            }
        }
        return valueAt(counts.length() - 1);
    }
}
