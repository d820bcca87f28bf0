package dev.courier.benchmarks;

import org.HdrHistogram.AbstractHistogram;
import org.HdrHistogram.ConcurrentHistogram;
import java.lang.invoke.MethodHandles;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives one contender at one message size through the phases of a case: warm-up at full speed
 * (not counted), throughput at full speed (possibly in slices, interleaved with another
 * contender's by the caller), then latency at a fixed rate. Every payload carries the
 * {@link System#nanoTime()} of its publish call in its first 8 bytes, so the handler measures
 * publish call → handler start without a side map.
 *
 * <p>Full speed means: at most {@code window} publishes awaiting their confirmation, and at most
 * {@code maxBacklog} messages published and not yet handled (so a slow consumer cannot let the
 * broker's backlog grow without bound, which would measure the broker's disk, not the client).
 */
final class Driver implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Driver.class);
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
    static final int MIN_SIZE = 16;

    /** How long each phase lasts and how hard it pushes. */
    record Phases(Duration warmup, Duration throughput, Duration latency, int window, int maxBacklog) {
    }

    /** What one case measured; latencies in microseconds. */
    record Measured(double publishRate, double endToEndRate, double latencyRate, double p50, double p99, double p999,
                    long latencySamples, long published, long failures, String firstFailure, long latencyGcs,
                    long latencyGcMillis) {
    }

    private final Contender contender;
    private final int size;
    private final Phases phases;

    private final Semaphore window;
    private final LongAdder confirmed = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final LongAdder handled = new LongAdder();
    private final AtomicReference<Throwable> firstFailure = new AtomicReference<>();
    /** Publish-to-handle latencies in nanoseconds, 3 significant digits; recorded from the consumer's threads. */
    private final ConcurrentHistogram latencies = new ConcurrentHistogram(3);
    private volatile long latencyFrom = Long.MAX_VALUE;
    private volatile long latencyTo = Long.MIN_VALUE;
    private long sent;

    Driver(Contender contender, int size, Phases phases) {
        if (size < MIN_SIZE) {
            throw new IllegalArgumentException("message size must be at least " + MIN_SIZE + " bytes: " + size);
        }
        this.contender = contender;
        this.size = size;
        this.phases = phases;
        this.window = new Semaphore(phases.window());
    }

    private long measuredConfirmed;
    private long measuredHandled;
    private long measuredNanos;
    private double latencyRate = Double.NaN;
    private long latencyGcs;
    private long latencyGcMillis;

    /** Starts the contender's consumer. */
    void start() throws Exception {
        contender.start(this::received);
    }

    /** Full speed for the warm-up time, not counted, then waits until everything is handled. */
    void warmup() throws InterruptedException {
        saturate(phases.warmup().toNanos());
        drain();
    }

    /**
     * Full speed for {@code nanos}, counted, then waits (uncounted) until everything is handled. A
     * ramp of a quarter of the slice (at most 500 ms) comes first, uncounted, so the backlog is
     * back at its steady level before counting starts (else publishes that only refill the backlog
     * would count as throughput).
     */
    void throughputSlice(long nanos) throws InterruptedException {
        saturate(Math.min(TimeUnit.MILLISECONDS.toNanos(500), nanos / 4));
        long confirmed0 = confirmed.sum();
        long handled0 = handled.sum();
        long t0 = System.nanoTime();
        saturate(nanos);
        measuredConfirmed += confirmed.sum() - confirmed0;
        measuredHandled += handled.sum() - handled0;
        measuredNanos += System.nanoTime() - t0;
        drain();
    }

    /** Confirmed publishes per second over the measured slices. */
    double publishRate() {
        return measuredNanos == 0 ? Double.NaN : measuredConfirmed / (measuredNanos / 1e9);
    }

    /** Handled messages per second over the measured slices. */
    double endToEndRate() {
        return measuredNanos == 0 ? Double.NaN : measuredHandled / (measuredNanos / 1e9);
    }

    /**
     * One slice of the latency phase at {@code rate} msg/s for {@code nanos}: a short unrecorded
     * settle at that rate (the broker leaves the full-speed phase or the other contender's slice
     * behind), then the recorded part; slices add up in one histogram.
     */
    void latencySlice(double rate, long nanos) throws InterruptedException {
        latencyRate = rate;
        paced(rate, Math.min(TimeUnit.MILLISECONDS.toNanos(500), nanos / 3), false);
        long[] gc0 = collections();
        paced(rate, nanos, true);
        drain();
        long[] gc1 = collections();
        latencyGcs += gc1[0] - gc0[0];
        latencyGcMillis += gc1[1] - gc0[1];
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
        return new Measured(publishRate(), endToEndRate(), latencyRate, micros(latencies, 50),
                micros(latencies, 99), micros(latencies, 99.9), latencies.getTotalCount(), sent,
                failed.sum(), failure == null ? null : failure.toString(), latencyGcs, latencyGcMillis);
    }

    /** The latency at {@code percentile} (0..100) in microseconds, or NaN when nothing was recorded. */
    static double micros(AbstractHistogram nanos, double percentile) {
        return nanos.getTotalCount() == 0 ? Double.NaN : nanos.getValueAtPercentile(percentile) / 1e3;
    }

    /** Every phase in turn, for a case with no other contender; the latency rate is a fraction of its throughput. */
    Measured run(double latencyFraction) throws Exception {
        try {
            start();
            warmup();
            throughputSlice(phases.throughput().toNanos());
            latencySlice(Math.max(100, endToEndRate() * latencyFraction), phases.latency().toNanos());
            return result();
        } finally {
            close();
        }
    }

    /** Closes the contender. */
    @Override
    public void close() {
        contender.close();
    }

    private void received(byte[] payload) {
        long now = System.nanoTime();
        long publishedAt = (long) LONGS.get(payload, 0);
        if (publishedAt >= latencyFrom && publishedAt < latencyTo) {
            latencies.recordValue(Math.max(0, now - publishedAt));
        }
        handled.increment();
    }

    /** Publishes as fast as the window and the backlog bound allow, for {@code nanos}. */
    private void saturate(long nanos) throws InterruptedException {
        long end = System.nanoTime() + nanos;
        while (System.nanoTime() - end < 0) {
            if (!window.tryAcquire(10, TimeUnit.MILLISECONDS)) {
                continue;
            }
            while (sent - handled.sum() > phases.maxBacklog()) {
                if (System.nanoTime() - end >= 0) {
                    window.release();
                    return;
                }
                LockSupport.parkNanos(50_000);
            }
            publishOne();
        }
    }

    /** Publishes at {@code rate} msg/s for {@code nanos}; latencies of these messages are recorded if asked. */
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
        byte[] payload = new byte[size];
        LONGS.set(payload, 0, System.nanoTime());
        sent++;
        try {
            contender.publish(payload, this::confirmed);
        } catch (RuntimeException e) {
            confirmed(e);
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
        while (handled.sum() < confirmed.sum() || window.availablePermits() < phases.window()) {
            if (System.nanoTime() - deadline > 0) {
                log.warn("Not drained after 60 s: {} confirmed, {} handled, {} awaiting confirmation",
                        confirmed.sum(), handled.sum(), phases.window() - window.availablePermits());
                return;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
    }
}
