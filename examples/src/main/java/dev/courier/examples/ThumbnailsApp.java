package dev.courier.examples;

import dev.courier.api.ConsumerOptions;
import dev.courier.api.DeadLetterHeaders;
import dev.courier.api.Message;
import dev.courier.api.MessageBus;
import dev.courier.api.PublishReceipt;
import dev.courier.api.RetryPolicy;
import dev.courier.api.Subscription;
import dev.courier.api.WorkQueue;
import dev.courier.examples.Events.Thumbnail;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Work queue: a producer submits image jobs; a pool of workers renders them. Some jobs fail once
 * (a transient error) and are retried; poison jobs fail every time and end in the dead-letter
 * queue, listed at the end with their error.
 */
final class ThumbnailsApp {

    /** The app's command line. */
    @Command(name = "thumbnails", mixinStandardHelpOptions = true,
            description = {"work queue: workers render jobs, transient failures are retried,",
                    "poison jobs are dead-lettered and listed"})
    static final class Options extends AppOptions {
        int count = 200;
        int workers = 4;
        double failRate = 0.1;
        int poisonEvery = 25;
        int timeoutSeconds = 60;

        @Option(names = "--count", paramLabel = "N", description = "jobs to submit (default 200)")
        void count(String value) {
            count = whole("--count", value, 1);
        }

        @Option(names = "--workers", paramLabel = "N", description = "workers (default 4)")
        void workers(String value) {
            workers = whole("--workers", value, 1);
        }

        @Option(names = "--fail-rate", paramLabel = "F", description = "fraction of jobs failing once (default 0.1)")
        void failRate(String value) {
            failRate = fraction("--fail-rate", value);
        }

        @Option(names = "--poison-every", paramLabel = "N", description = "every Nth job is poison (default 25, 0 for none)")
        void poisonEvery(String value) {
            poisonEvery = whole("--poison-every", value, 0);
        }

        @Option(names = "--timeout", paramLabel = "SECONDS", description = "how long to wait for the workers (default 60)")
        void timeout(String value) {
            timeoutSeconds = whole("--timeout", value, 1);
        }

        @Override
        int run(PrintStream out) {
            return ThumbnailsApp.run(this, out);
        }
    }

    static final String QUEUE = "thumbnails";

    private ThumbnailsApp() {
    }

    static int run(Options options, PrintStream out) {
        int count = options.count;
        int workers = options.workers;
        double failRate = options.failRate;
        int poisonEvery = options.poisonEvery;
        Duration timeout = Duration.ofSeconds(options.timeoutSeconds);
        out.printf("thumbnails on %s: %d jobs, %d workers, %.0f%% transient failures, every %s job poison%n",
                Main.redact(options.broker()), count, workers, failRate * 100,
                poisonEvery == 0 ? "no" : ordinal(poisonEvery));

        Set<String> submitted = ConcurrentHashMap.newKeySet();
        Set<String> poisonIds = ConcurrentHashMap.newKeySet();
        Set<String> rendered = ConcurrentHashMap.newKeySet();
        AtomicInteger retried = new AtomicInteger();
        Map<String, String> deadLetters = new ConcurrentHashMap<>();
        try (MessageBus bus = MessageBus.connect(options.broker())) {
            WorkQueue<Thumbnail> jobs = bus.workQueue(QUEUE, Thumbnail.class);
            Subscription pool = jobs.work(job -> {
                if (job.attempt() > 1) {
                    retried.incrementAndGet();
                }
                render(job, failRate);
                rendered.add(job.id());
            }, ConsumerOptions.concurrency(workers)
                    .withRetry(RetryPolicy.exponential(3, Duration.ofMillis(20), Duration.ofMillis(200))));
            bus.workQueue(pool.deadLetterQueue(), Thumbnail.class).work((Message<Thumbnail> letter) -> deadLetters.put(
                    letter.id(), letter.payload().image() + ": " + letter.headers().get(DeadLetterHeaders.ERROR_MESSAGE)));

            double elapsed;
            boolean done;
            try (Progress progress = new Progress(out, rendered::size)
                    .counter("submitted", submitted::size)
                    .counter("rendered", rendered::size)
                    .counter("retried", retried::get)
                    .counter("dead-lettered", deadLetters::size)
                    .start()) {
                List<CompletableFuture<PublishReceipt>> stages = new ArrayList<>();
                for (int i = 1; i <= count; i++) {
                    boolean poison = poisonEvery > 0 && i % poisonEvery == 0;
                    Thumbnail job = new Thumbnail(poison ? "img-" + i + ".corrupt" : "img-" + i + ".png", 128);
                    stages.add(jobs.submit(job).toCompletableFuture().whenComplete((receipt, failure) -> {
                        if (receipt != null) {
                            (poison ? poisonIds : submitted).add(receipt.id());
                        }
                    }));
                }
                CompletableFuture.allOf(stages.toArray(CompletableFuture[]::new)).join();
                submitted.addAll(poisonIds);
                done = Expectation.await(() -> rendered.size() >= submitted.size() - poisonIds.size()
                        && deadLetters.keySet().containsAll(poisonIds)
                        && Expectation.missing(diff(submitted, poisonIds), rendered) == 0, timeout);
                elapsed = progress.elapsedSeconds();
            }
            long renderedNow = submitted.stream().filter(rendered::contains).count();
            long deadNow = poisonIds.stream().filter(deadLetters::containsKey).count();
            out.printf("summary: submitted %d, rendered %d, retried %d, dead-lettered %d, elapsed %.2fs%n",
                    submitted.size(), renderedNow, retried.get(), deadNow, elapsed);
            if (!poisonIds.isEmpty()) {
                out.println("dead letters (" + QUEUE + ".dlq):");
                poisonIds.stream().map(deadLetters::get).filter(v -> v != null).sorted().forEach(line -> out.println("  " + line));
            }
            if (!done) {
                throw new AppFailure("within " + timeout.toSeconds() + "s, " + (submitted.size() - poisonIds.size() - renderedNow)
                        + " job(s) were not rendered and " + (poisonIds.size() - deadNow) + " poison job(s) were not dead-lettered");
            }
            return 0;
        }
    }

    private static void render(Message<Thumbnail> job, double failRate) {
        String image = job.payload().image();
        if (image.endsWith(".corrupt")) {
            throw new IllegalArgumentException(image + " is not a valid image");
        }
        if (job.attempt() == 1 && Math.floorMod(job.id().hashCode(), 1000) < failRate * 1000) {
            throw new IllegalStateException("storage timeout while reading " + image);
        }
        LockSupport.parkNanos(2_000_000 + Math.floorMod(image.hashCode(), 3_000_000)); // simulated rendering
    }

    private static Set<String> diff(Set<String> all, Set<String> minus) {
        Set<String> rest = ConcurrentHashMap.newKeySet();
        all.stream().filter(id -> !minus.contains(id)).forEach(rest::add);
        return rest;
    }

    private static String ordinal(int n) {
        return n + (n % 10 == 1 && n % 100 != 11 ? "st" : n % 10 == 2 && n % 100 != 12 ? "nd"
                : n % 10 == 3 && n % 100 != 13 ? "rd" : "th");
    }
}
