package dev.courier.examples;

import ch.qos.logback.classic.Level;
import dev.courier.api.ConsumerOptions;
import dev.courier.api.MessageBus;
import dev.courier.api.OutgoingMessage;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.OperatingSystemMXBean;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The soak run: publishes at a steady rate for a long time through Courier and consumes with a
 * group on the same bus, then reports whether anything was lost and whether the process leaked:
 * heap used after a full GC, live threads and open file descriptors at the start, after a
 * warm-up (a tenth of the run, at most 30 s: handler threads and connections start lazily, so
 * growth is measured from there), every {@code --report-every} seconds, at the end (with
 * everything still open) and after close.
 * Not a test: run it by hand against any broker URL.
 *
 * <pre>
 * ./mvnw -q -pl examples -am package -DskipTests
 * java -Xmx256m -cp examples/target/courier-examples.jar dev.courier.examples.Soak \
 *      --broker nats://127.0.0.1:4222 --minutes 10 --rate 2000
 * </pre>
 *
 * <p>Loss is counted exactly with two bit sets indexed by a sequence number carried in the
 * payload (confirmed by the broker, handled by the group), so the bookkeeping neither grows with
 * the number of messages beyond a bit each nor disturbs the heap figures. Exit code 0 when nothing
 * confirmed was lost and no publish failed, 1 otherwise, 64 on a usage error.
 */
public final class Soak {

    /** The soak's command line (picocli). */
    @Command(name = "java -cp courier-examples.jar dev.courier.examples.Soak", mixinStandardHelpOptions = true,
            usageHelpAutoWidth = true, sortOptions = false,
            description = {"Publishes at a steady rate through Courier and consumes with a group, for a given time;",
                    "reports published/confirmed/handled/lost and heap after GC, live threads and open file",
                    "descriptors at the start, periodically, at the end and after close."})
    static final class Options implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--broker", paramLabel = "URL", defaultValue = "${env:COURIER_URL:-memory://}",
                description = "memory:// (default, or $COURIER_URL), kafka://127.0.0.1:9092, amqp://guest:guest@127.0.0.1:5672/, "
                        + "nats://127.0.0.1:4222")
        String broker;

        @Option(names = "--minutes", paramLabel = "N", description = "how long to publish (10; decimals allowed: 0.5)")
        double minutes = 10;

        @Option(names = "--rate", paramLabel = "R", description = "messages per second (2000: a steady load well below every"
                + " broker's measured throughput, see docs/benchmarks.md)")
        int rate = 2000;

        @Option(names = "--size", paramLabel = "BYTES", description = "payload size (128, at least 8)")
        int size = 128;

        @Option(names = "--concurrency", paramLabel = "N", description = "handlers of the group (4)")
        int concurrency = 4;

        @Option(names = "--report-every", paramLabel = "S", description = "seconds between progress lines (60)")
        int reportSeconds = 60;

        @Option(names = "--verbose", description = "log what Courier and the broker clients do")
        boolean verbose;

        private final PrintStream out;
        private final PrintStream err;

        Options(PrintStream out, PrintStream err) {
            this.out = out;
            this.err = err;
        }

        @Override
        public Integer call() {
            if (!(minutes > 0) || rate < 1 || size < 8 || concurrency < 1 || reportSeconds < 1) {
                throw new ParameterException(spec.commandLine(), "--minutes must be > 0, --rate, --concurrency and"
                        + " --report-every >= 1, --size >= 8");
            }
            quietLogs(verbose);
            Duration duration = Duration.ofMillis(Math.round(minutes * 60_000));
            try {
                return new Soak(broker, duration, rate, size, concurrency, Duration.ofSeconds(reportSeconds), out).soak();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                err.println("interrupted");
                return 1;
            } catch (RuntimeException e) {
                err.println("FAILED: " + e);
                if (verbose) {
                    e.printStackTrace(err);
                }
                return 1;
            }
        }
    }

    private static final int MAX_UNCONFIRMED = 20_000;
    private static final Duration DRAIN_TIMEOUT = Duration.ofMinutes(2);

    private final String broker;
    private final Duration duration;
    private final int rate;
    private final int size;
    private final int concurrency;
    private final Duration reportEvery;
    private final PrintStream out;

    private final AtomicLongArray confirmedBits;
    private final AtomicLongArray handledBits;
    private final AtomicLong published = new AtomicLong();
    private final AtomicLong confirmed = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong handled = new AtomicLong();
    private final AtomicLong deliveries = new AtomicLong();
    private final ConcurrentHashMap<String, AtomicLong> failures = new ConcurrentHashMap<>();
    private final Semaphore unconfirmed = new Semaphore(MAX_UNCONFIRMED);
    private volatile Resources warm;

    private Soak(String broker, Duration duration, int rate, int size, int concurrency, Duration reportEvery, PrintStream out) {
        this.broker = broker;
        this.duration = duration;
        this.rate = rate;
        this.size = size;
        this.concurrency = concurrency;
        this.reportEvery = reportEvery;
        this.out = out;
        long capacity = (long) Math.ceil(duration.toMillis() / 1000.0 * rate) + 1;
        if (capacity / 64 + 1 > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("--minutes × --rate is too large: " + capacity + " messages");
        }
        this.confirmedBits = new AtomicLongArray((int) (capacity / 64 + 1));
        this.handledBits = new AtomicLongArray((int) (capacity / 64 + 1));
    }

    /** Runs the soak with command-line options (see {@link Options}) and exits with its result. */
    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        CommandLine commandLine = new CommandLine(new Options(out, err));
        commandLine.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
        commandLine.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
        commandLine.setParameterExceptionHandler((e, given) -> {
            err.println("error: " + e.getMessage() + "; try --help");
            return Main.USAGE;
        });
        return commandLine.execute(args);
    }

    private int soak() throws InterruptedException {
        String topic = "soak-" + UUID.randomUUID().toString().substring(0, 8);
        out.printf(Locale.ROOT, "soak: %s for %s at %d msg/s (payload %d bytes, %d handlers), topic %s group soak%n",
                redact(broker), human(duration), rate, size, concurrency, topic);
        Resources start;
        Resources end;
        long startNanos;
        long lost;
        try (MessageBus bus = MessageBus.connect(broker)) {
            bus.subscribe(topic, "soak", byte[].class, message -> handle(message.payload()),
                    ConsumerOptions.concurrency(concurrency).withMaxInFlight(Math.max(256, concurrency * 64)));
            start = Resources.measure();
            out.println("start:       " + start);
            startNanos = System.nanoTime();
            publish(bus, topic, startNanos);
            long sent = published.get();
            if (!unconfirmed.tryAcquire(MAX_UNCONFIRMED, 60, TimeUnit.SECONDS)) {
                out.println("warning: " + (MAX_UNCONFIRMED - unconfirmed.availablePermits())
                        + " publish(es) neither confirmed nor failed 60 s after the last one");
            }
            out.printf(Locale.ROOT, "published %d in %.1f s; waiting up to %s for the group to handle every confirmed message%n",
                    sent, (System.nanoTime() - startNanos) / 1e9, human(DRAIN_TIMEOUT));
            boolean drained = await(() -> missing() == 0, DRAIN_TIMEOUT);
            lost = missing();
            if (!drained) {
                out.println("warning: " + lost + " confirmed message(s) still unhandled after " + human(DRAIN_TIMEOUT));
            }
            end = Resources.measure();
            out.println("end (open):  " + end);
        }
        Resources baseline = warm == null ? start : warm;
        Resources closed = Resources.measure();
        out.println("after close: " + closed);
        failures.forEach((reason, count) -> out.println("  publish failure x" + count + ": " + reason));
        out.printf(Locale.ROOT, "result: published %d, confirmed %d, failed %d, handled %d distinct (%d deliveries), lost %d,"
                        + " duplicates %d; growth from warm-up to end (bus open): heap after GC %+.1f MiB, threads %+d,"
                        + " open fds %+d%n",
                published.get(), confirmed.get(), failed.get(), handled.get(), deliveries.get(), lost,
                deliveries.get() - handled.get(), (end.heapAfterGc - baseline.heapAfterGc) / 1048576.0,
                end.threads - baseline.threads, end.fds < 0 ? 0 : end.fds - baseline.fds);
        boolean ok = lost == 0 && failed.get() == 0;
        out.println(ok ? "OK" : "FAILED: " + (lost > 0 ? lost + " confirmed message(s) lost" : failed.get() + " publish(es) failed"));
        return ok ? 0 : 1;
    }

    /** Publishes at {@link #rate} per second until the duration is over, reporting progress on the way. */
    private void publish(MessageBus bus, String topic, long startNanos) throws InterruptedException {
        long total = (long) Math.floor(duration.toMillis() / 1000.0 * rate);
        long interval = TimeUnit.SECONDS.toNanos(1) / rate;
        long nextReport = startNanos + reportEvery.toNanos();
        long warmAt = startNanos + Math.min(TimeUnit.SECONDS.toNanos(30), duration.toNanos() / 10);
        long stalls = 0;
        // a bar of the messages published on a terminal; the report lines either way
        ProgressBar bar = System.console() == null ? null : new ProgressBarBuilder().setTaskName("soak")
                .setInitialMax(total).setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(1000).build();
        for (long seq = 0; seq < total; seq++) {
            long due = startNanos + seq * interval;
            long now = System.nanoTime();
            if (bar != null && seq % 1000 == 0) {
                bar.stepTo(seq);
            }
            if (warm == null && now - warmAt >= 0) {
                warm = Resources.measure();
                out.println("warmed up:   " + warm);
                now = System.nanoTime();
            }
            if (now - nextReport >= 0) {
                progress(startNanos);
                nextReport += reportEvery.toNanos();
                now = System.nanoTime();
            }
            if (due - now > 0) {
                LockSupport.parkNanos(due - now); // pacing: the steady rate is the point of a soak
            }
            if (!unconfirmed.tryAcquire()) {
                stalls++;
                unconfirmed.acquire(); // the broker is behind: wait rather than pile up unconfirmed messages
            }
            byte[] payload = new byte[size];
            ByteBuffer.wrap(payload).putLong(seq);
            long sequence = seq;
            published.incrementAndGet();
            try {
                bus.publish(OutgoingMessage.of(topic, payload).withKey("k" + (seq % 64))).whenComplete((receipt, error) -> {
                    if (error == null) {
                        set(confirmedBits, sequence);
                        confirmed.incrementAndGet();
                    } else {
                        fail(error);
                    }
                    unconfirmed.release();
                });
            } catch (RuntimeException e) {
                fail(e);
                unconfirmed.release();
            }
        }
        if (bar != null) {
            bar.stepTo(total);
            bar.close();
        }
        if (stalls > 0) {
            out.println("note: the publisher waited for confirmations " + stalls + " time(s) (more than "
                    + MAX_UNCONFIRMED + " unconfirmed): the broker did not keep up with " + rate + " msg/s");
        }
    }

    private void handle(byte[] payload) {
        long seq = ByteBuffer.wrap(payload).getLong();
        deliveries.incrementAndGet();
        if (set(handledBits, seq)) {
            handled.incrementAndGet();
        }
    }

    private void fail(Throwable error) {
        Throwable cause = error.getCause() != null && error instanceof java.util.concurrent.CompletionException
                ? error.getCause() : error;
        failed.incrementAndGet();
        failures.computeIfAbsent(cause.getClass().getSimpleName() + ": " + cause.getMessage(), k -> new AtomicLong())
                .incrementAndGet();
    }

    private void progress(long startNanos) {
        Duration elapsed = Duration.ofNanos(System.nanoTime() - startNanos).truncatedTo(ChronoUnit.SECONDS);
        out.printf(Locale.ROOT, "%-12s published %d, confirmed %d, failed %d, handled %d, not yet handled %d; %s%n",
                human(elapsed) + ":", published.get(), confirmed.get(), failed.get(), handled.get(),
                Math.max(0, confirmed.get() - handled.get()), Resources.measure());
    }

    /** Confirmed messages the group has not handled (yet). */
    private long missing() {
        long missing = 0;
        for (int i = 0; i < confirmedBits.length(); i++) {
            missing += Long.bitCount(confirmedBits.get(i) & ~handledBits.get(i));
        }
        return missing;
    }

    /** Sets bit {@code index}; true if it was clear. */
    private static boolean set(AtomicLongArray bits, long index) {
        int word = (int) (index >>> 6);
        long mask = 1L << (index & 63);
        long old = bits.getAndAccumulate(word, mask, (a, b) -> a | b);
        return (old & mask) == 0;
    }

    private static boolean await(BooleanSupplier condition, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100)); // counting arrivals of another thread
        }
        return true;
    }

    private static void quietLogs(boolean verbose) {
        ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME))
                .setLevel(verbose ? Level.INFO : Level.WARN);
        for (String client : new String[] {"org.apache.kafka", "io.nats", "com.rabbitmq"}) {
            ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(client)).setLevel(verbose ? Level.INFO : Level.ERROR);
        }
    }

    private static String redact(String url) {
        return url.replaceAll("(://[^/@:]*:)[^/@]*@", "$1***@");
    }

    private static String human(Duration d) {
        long s = d.toSeconds();
        return s >= 60 ? String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60) : s + "s";
    }

    /** What a leak would make grow: heap used after a full GC, live threads, open file descriptors. */
    private record Resources(long heapAfterGc, int threads, long fds, Instant at) {

        static Resources measure() {
            MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
            System.gc(); // twice: the first may only queue finalizable and weakly reachable objects
            System.gc();
            long heap = memory.getHeapMemoryUsage().getUsed();
            int threads = ManagementFactory.getThreadMXBean().getThreadCount();
            return new Resources(heap, threads, openFileDescriptors(), Instant.now());
        }

        private static long openFileDescriptors() {
            OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
            if (os instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
                return unix.getOpenFileDescriptorCount();
            }
            try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
                return fds.count();
            } catch (IOException | RuntimeException e) {
                return -1;
            }
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "heap after GC %.1f MiB, threads %d, open fds %s",
                    heapAfterGc / 1048576.0, threads, fds < 0 ? "n/a" : Long.toString(fds));
        }
    }
}
