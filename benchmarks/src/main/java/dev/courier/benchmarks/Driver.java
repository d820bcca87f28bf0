package dev.courier.benchmarks;

import org.HdrHistogram.AbstractHistogram;
import org.HdrHistogram.ConcurrentHistogram;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives one contender at one payload through the phases of a case: warm-up at full speed (not
 * counted), throughput slices at full speed and latency slices at a fixed rate (interleaved with
 * other contenders' slices by the caller, each slice measured on its own so that the repeats give a
 * spread). Every message carries the {@link System#nanoTime()} of its publish call (see
 * {@link PayloadFormat}), so the handler measures publish call → handler start without a side map.
 *
 * <p>Full speed means: at most {@code window} publishes awaiting their confirmation, and at most
 * {@code maxBacklog} messages published and not yet handled (so a slow consumer cannot let the
 * broker's backlog grow without bound, which would measure the broker's disk, not the client).
 * With a {@code batch} above 1, messages go out {@code batch} at a time through
 * {@link Contender#publishBatch}.
 */
final class Driver implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Driver.class);
    static final int MIN_SIZE = 16;

    /** How long each slice lasts and how hard it pushes. */
    record Phases(Duration warmup, Duration throughput, Duration latency, int window, int maxBacklog) {
    }

    /** One throughput slice: confirmed publishes and handled messages per second over its counted time. */
    record Throughput(double publishRate, double endToEndRate) {
    }

    /** One latency slice at {@code rate} msg/s: percentiles in microseconds, and this JVM's GCs meanwhile. */
    record Latency(double rate, double p50, double p99, double p999, long samples, long gcs, long gcMillis) {
    }

    /** What a contender measured: one entry per slice, in order, and the publishes that failed. */
    record Measured(List<Throughput> throughput, List<Latency> latency, long published, long failures, String firstFailure) {

        Measured {
            throughput = List.copyOf(throughput);
            latency = List.copyOf(latency);
        }

        /** The median end-to-end rate of the slices, NaN without any. */
        double endToEndRate() {
            return Stats.median(throughput.stream().mapToDouble(Throughput::endToEndRate).toArray());
        }

        /** The median publish rate of the slices, NaN without any. */
        double publishRate() {
            return Stats.median(throughput.stream().mapToDouble(Throughput::publishRate).toArray());
        }

        /** Latency samples recorded over all slices. */
        long latencySamples() {
            return latency.stream().mapToLong(Latency::samples).sum();
        }
    }

    private final Contender contender;
    private final Phases phases;
    private final int batch;

    private final Semaphore window;
    private final LongAdder confirmed = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final LongAdder handled = new LongAdder();
    private final AtomicReference<Throwable> firstFailure = new AtomicReference<>();
    /** Publish-to-handle latencies of the current slice in nanoseconds, 3 significant digits; recorded from the consumer's threads. */
    private final ConcurrentHistogram latencies = new ConcurrentHistogram(3);
    private volatile long latencyFrom = Long.MAX_VALUE;
    private volatile long latencyTo = Long.MIN_VALUE;
    private long sent;
    private final List<Throughput> throughput = new ArrayList<>();
    private final List<Latency> latency = new ArrayList<>();

    /** @param batch messages per publish call: 1 for {@link Contender#publish}, more for {@link Contender#publishBatch} */
    Driver(Contender contender, Phases phases, int batch) {
        if (batch < 1) {
            throw new IllegalArgumentException("batch must be at least 1: " + batch);
        }
        this.contender = contender;
        this.phases = phases;
        this.batch = batch;
        this.window = new Semaphore(windowSize());
    }

    private int windowSize() {
        return Math.max(phases.window(), batch);
    }

    /** Starts the contender's consumer. */
    void start() throws Exception {
        contender.start(this::received);
    }

    /** Full speed for the warm-up time, not counted, then waits until everything is handled. */
    void warmup() throws InterruptedException {
        saturate(phases.warmup().toNanos());
        drain();
    }

    /** Full speed for {@code nanos}, not counted (for a profiler), then waits until everything is handled. */
    void load(long nanos) throws InterruptedException {
        saturate(nanos);
        drain();
    }

    /**
     * Full speed for {@code nanos}, counted, then waits (uncounted) until everything is handled. A
     * ramp of a quarter of the slice (at most 500 ms) comes first, uncounted, so the backlog is
     * back at its steady level before counting starts (else publishes that only refill the backlog
     * would count as throughput).
     */
    Throughput throughputSlice(long nanos) throws InterruptedException {
        saturate(Math.min(TimeUnit.MILLISECONDS.toNanos(500), nanos / 4));
        long confirmed0 = confirmed.sum();
        long handled0 = handled.sum();
        long t0 = System.nanoTime();
        saturate(nanos);
        long counted = System.nanoTime() - t0;
        Throughput slice = new Throughput((confirmed.sum() - confirmed0) / (counted / 1e9),
                (handled.sum() - handled0) / (counted / 1e9));
        drain();
        throughput.add(slice);
        return slice;
    }

    /**
     * One slice of the latency phase at {@code rate} msg/s for {@code nanos}: a short unrecorded
     * settle at that rate (the broker leaves the full-speed phase or the other contender's slice
     * behind), then the recorded part, with a histogram of its own.
     */
    Latency latencySlice(double rate, long nanos) throws InterruptedException {
        paced(rate, Math.min(TimeUnit.MILLISECONDS.toNanos(500), nanos / 3), false);
        latencies.reset();
        long[] gc0 = collections();
        paced(rate, nanos, true);
        drain();
        long[] gc1 = collections();
        Latency slice = new Latency(rate, micros(latencies, 50), micros(latencies, 99), micros(latencies, 99.9),
                latencies.getTotalCount(), gc1[0] - gc0[0], gc1[1] - gc0[1]);
        latency.add(slice);
        return slice;
    }

    /** This JVM's garbage collections so far: count and milliseconds. */
    private static long[] collections() {
        long count = 0;
        long millis = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            count += Math.max(0, gc.getCollectionCount());
            millis += Math.max(0, gc.getCollectionTime());
        }
        return new long[] {count, millis};
    }

    /** What was measured so far. */
    Measured result() {
        Throwable failure = firstFailure.get();
        return new Measured(throughput, latency, sent, failed.sum(), failure == null ? null : failure.toString());
    }

    /** The latency at {@code percentile} (0..100) in microseconds, or NaN when nothing was recorded. */
    static double micros(AbstractHistogram nanos, double percentile) {
        return nanos.getTotalCount() == 0 ? Double.NaN : nanos.getValueAtPercentile(percentile) / 1e3;
    }

    /** Closes the contender. */
    @Override
    public void close() {
        contender.close();
    }

    private void received(long publishedAt) {
        long now = System.nanoTime();
        if (publishedAt >= latencyFrom && publishedAt < latencyTo) {
            latencies.recordValue(Math.max(0, now - publishedAt));
        }
        handled.increment();
    }

    /** Publishes as fast as the window and the backlog bound allow, for {@code nanos}. */
    private void saturate(long nanos) throws InterruptedException {
        long end = System.nanoTime() + nanos;
        while (System.nanoTime() - end < 0) {
            if (!window.tryAcquire(batch, 10, TimeUnit.MILLISECONDS)) {
                continue;
            }
            while (sent - handled.sum() > phases.maxBacklog()) {
                if (System.nanoTime() - end >= 0) {
                    window.release(batch);
                    return;
                }
                LockSupport.parkNanos(50_000);
            }
            if (batch == 1) {
                publishOne();
            } else {
                publishBatch();
            }
        }
    }

    /** Publishes one message at a time at {@code rate} msg/s for {@code nanos}; latencies of these messages are recorded if asked. */
    private void paced(double rate, long nanos, boolean record) throws InterruptedException {
        long interval = Math.max(1, (long) (1e9 / rate));
        long start = System.nanoTime();
        long end = start + nanos;
        if (record) {
            latencyFrom = start;
            latencyTo = end;
        } else {
            latencyFrom = Long.MAX_VALUE;
            latencyTo = Long.MIN_VALUE;
        }
        long next = start;
        while (next - end < 0) {
            long now = System.nanoTime();
            if (now - end >= 0) {
                return; // confirmations stalled (a broker restart?): the phase ends on time anyway
            }
            if (next - now > 0) {
                LockSupport.parkNanos(next - now);
                continue;
            }
            if (!window.tryAcquire(10, TimeUnit.MILLISECONDS)) {
                continue;
            }
            publishOne();
            next += interval;
        }
    }

    private void publishOne() {
        sent++;
        try {
            contender.publish(System.nanoTime(), this::confirmed);
        } catch (RuntimeException e) {
            confirmed(e);
        }
    }

    private void publishBatch() {
        long[] stamps = new long[batch];
        long now = System.nanoTime();
        java.util.Arrays.fill(stamps, now);
        sent += batch;
        try {
            contender.publishBatch(stamps, this::confirmed);
        } catch (RuntimeException e) {
            // the call failed before any message went out: none will be confirmed
            for (int i = 0; i < batch; i++) {
                confirmed(e);
            }
        }
    }

    private void confirmed(Throwable failure) {
        window.release();
        if (failure == null) {
            confirmed.increment();
        } else {
            failed.increment();
            if (firstFailure.compareAndSet(null, failure)) {
                log.warn("A publish failed (counted, run goes on)", failure);
            }
        }
    }

    /** Waits until every confirmed message has been handled, for at most 60 s. */
    private void drain() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (handled.sum() < confirmed.sum() || window.availablePermits() < windowSize()) {
            if (System.nanoTime() - deadline > 0) {
                log.warn("Not drained after 60 s: {} confirmed, {} handled, {} awaiting confirmation",
                        confirmed.sum(), handled.sum(), windowSize() - window.availablePermits());
                return;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
    }
}
