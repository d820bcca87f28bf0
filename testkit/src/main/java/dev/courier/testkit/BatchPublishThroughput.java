package dev.courier.testkit;

import dev.courier.api.BusOptions;
import dev.courier.api.MessageBus;
import dev.courier.api.OutgoingMessage;
import dev.courier.api.PublishReceipt;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Measures {@link MessageBus#publishAll} against single {@link MessageBus#publish} calls on one
 * broker: the same number of 100-byte {@code byte[]} messages, the same window of unconfirmed
 * publishes, one publishing thread, every publish confirmed before the clock stops. Prints msg/s
 * of both and their ratio. Each transport module runs it from a test enabled by
 * {@code -Dcourier.measure=true} (on its test broker); {@link #main} takes a URL.
 */
public final class BatchPublishThroughput {

    /** Payload bytes. */
    public static final int PAYLOAD = 100;
    /** Unconfirmed publishes at most, both ways. */
    public static final int WINDOW = 1_000;
    /** Messages per publishAll. */
    public static final int BATCH = 100;

    private BatchPublishThroughput() {
    }

    /** The two rates, msg/s. */
    public record Result(String url, int messages, double single, double batch) {
        public double ratio() {
            return batch / single;
        }

        @Override
        public String toString() {
            return String.format("%s: %d messages of %d B, window %d, batches of %d: single %.0f msg/s, batch %.0f msg/s, ratio %.2f",
                    url, messages, PAYLOAD, WINDOW, BATCH, single, batch, ratio());
        }
    }

    /** Measures on {@code url}: a warm-up round of each, then {@code rounds} alternating rounds of {@code messages}; the best of each. */
    public static Result measure(String url, BusOptions options, int messages, int rounds) throws Exception {
        try (MessageBus bus = MessageBus.connect(url, options)) {
            String topic = "batch-measure-" + UUID.randomUUID().toString().substring(0, 8);
            bus.publish(topic, new byte[PAYLOAD]).toCompletableFuture().get(60, TimeUnit.SECONDS); // declares the topic
            single(bus, topic, Math.min(messages, 5_000));
            batch(bus, topic, Math.min(messages, 5_000));
            double single = 0;
            double batch = 0;
            for (int round = 0; round < rounds; round++) {
                single = Math.max(single, single(bus, topic, messages));
                batch = Math.max(batch, batch(bus, topic, messages));
            }
            return new Result(url.replaceAll("//[^@/]*@", "//"), messages, single, batch);
        }
    }

    private static double single(MessageBus bus, String topic, int messages) throws Exception {
        Semaphore window = new Semaphore(WINDOW);
        AtomicReference<Throwable> failed = new AtomicReference<>();
        byte[] payload = new byte[PAYLOAD];
        long start = System.nanoTime();
        for (int i = 0; i < messages; i++) {
            window.acquire();
            bus.publish(OutgoingMessage.of(topic, payload)).whenComplete((receipt, failure) -> {
                if (failure != null) {
                    failed.compareAndSet(null, failure);
                }
                window.release();
            });
        }
        return finish(window, failed, messages, start);
    }

    private static double batch(MessageBus bus, String topic, int messages) throws Exception {
        Semaphore window = new Semaphore(WINDOW);
        AtomicReference<Throwable> failed = new AtomicReference<>();
        byte[] payload = new byte[PAYLOAD];
        long start = System.nanoTime();
        for (int sent = 0; sent < messages; sent += BATCH) {
            int size = Math.min(BATCH, messages - sent);
            window.acquire(size);
            List<OutgoingMessage> batch = new ArrayList<>(size);
            for (int i = 0; i < size; i++) {
                batch.add(OutgoingMessage.of(topic, payload));
            }
            for (CompletionStage<PublishReceipt> stage : bus.publishAll(batch)) {
                stage.whenComplete((receipt, failure) -> {
                    if (failure != null) {
                        failed.compareAndSet(null, failure);
                    }
                    window.release();
                });
            }
        }
        return finish(window, failed, messages, start);
    }

    private static double finish(Semaphore window, AtomicReference<Throwable> failed, int messages, long start)
            throws Exception {
        if (!window.tryAcquire(WINDOW, 120, TimeUnit.SECONDS)) {
            throw new IllegalStateException("publishes still unconfirmed after 120 s");
        }
        long elapsed = System.nanoTime() - start;
        if (failed.get() != null) {
            throw new IllegalStateException("a publish failed: " + failed.get(), failed.get());
        }
        return messages / (elapsed / 1e9);
    }

    /** {@code java ... BatchPublishThroughput <url> [messages] [rounds]}. */
    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: BatchPublishThroughput <url> [messages] [rounds]");
            System.exit(2);
        }
        int messages = args.length > 1 ? Integer.parseInt(args[1]) : 50_000;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        System.out.println(measure(args[0], BusOptions.defaults().withPublishTimeout(Duration.ofSeconds(60)), messages, rounds));
    }
}
