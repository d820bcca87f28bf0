package dev.courier.transport.aws;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.BiConsumer;

/**
 * Groups requests to one target (a topic ARN, a queue URL) into the batch calls of SNS and SQS
 * ({@code PublishBatch}, {@code SendMessageBatch}, {@code DeleteMessageBatch},
 * {@code ChangeMessageVisibilityBatch}): at most 10 entries and 256 KiB per call. Nothing waits
 * for a batch to fill: a request goes out at once while fewer than {@code maxCalls} calls to its
 * target are running, and what arrives meanwhile goes out together when one finishes. So an idle
 * sender pays one round trip and a busy one sends full batches. Thread safe.
 *
 * @param <T> what one entry carries
 */
final class AwsBatcher<T> {

    /** The most entries SNS and SQS take in one batch call. */
    static final int MAX_ENTRIES = 10;
    /** The most bytes SNS and SQS take in one batch call. */
    static final long MAX_BATCH_BYTES = 256 * 1024;

    /** One request: what it carries, its size, and its outcome. */
    record Entry<T>(T item, long bytes, CompletableFuture<Void> done) {
    }

    private final int maxCalls;
    private final BiConsumer<String, List<Entry<T>>> call;
    private final Map<String, Lane<T>> lanes = new ConcurrentHashMap<>();

    /**
     * @param maxCalls the most batch calls running at once per target
     * @param call     sends one batch to a target; must complete every entry's {@code done}, and
     *                 call {@link #finished(String)} once the call has ended, whatever its outcome
     */
    AwsBatcher(int maxCalls, BiConsumer<String, List<Entry<T>>> call) {
        this.maxCalls = maxCalls;
        this.call = call;
    }

    private static final class Lane<T> {
        final Queue<Entry<T>> waiting = new ConcurrentLinkedQueue<>();
        int running;
    }

    /** Queues {@code item} for {@code target}; the stage completes when its batch call has. */
    CompletableFuture<Void> add(String target, T item, long bytes) {
        Entry<T> entry = new Entry<>(item, bytes, new CompletableFuture<>());
        Lane<T> lane = lanes.computeIfAbsent(target, t -> new Lane<>());
        lane.waiting.add(entry);
        drain(target, lane);
        return entry.done();
    }

    /**
     * Queues {@code items} (each with its target and size), in order, before any of them goes, so
     * that they leave in full batches; one stage per item, in the order given.
     */
    List<CompletableFuture<Void>> addAll(List<String> targets, List<T> items, List<Long> bytes) {
        List<CompletableFuture<Void>> stages = new ArrayList<>(items.size());
        Map<String, Lane<T>> touched = new java.util.LinkedHashMap<>();
        for (int i = 0; i < items.size(); i++) {
            Entry<T> entry = new Entry<>(items.get(i), bytes.get(i), new CompletableFuture<>());
            Lane<T> lane = lanes.computeIfAbsent(targets.get(i), t -> new Lane<>());
            lane.waiting.add(entry);
            touched.put(targets.get(i), lane);
            stages.add(entry.done());
        }
        touched.forEach(this::drain);
        return stages;
    }

    /** Tells the batcher that a call to {@code target} ended, so waiting entries may go. */
    void finished(String target) {
        Lane<T> lane = lanes.get(target);
        if (lane != null) {
            synchronized (lane) {
                lane.running--;
            }
            drain(target, lane);
        }
    }

    private void drain(String target, Lane<T> lane) {
        while (true) {
            List<Entry<T>> batch;
            synchronized (lane) {
                if (lane.running >= maxCalls || lane.waiting.isEmpty()) {
                    return;
                }
                batch = new ArrayList<>(MAX_ENTRIES);
                long bytes = 0;
                Entry<T> next;
                while (batch.size() < MAX_ENTRIES && (next = lane.waiting.peek()) != null
                        && (batch.isEmpty() || bytes + next.bytes() <= MAX_BATCH_BYTES)) {
                    batch.add(lane.waiting.poll());
                    bytes += next.bytes();
                }
                lane.running++;
            }
            try {
                call.accept(target, batch);
            } catch (RuntimeException e) {
                batch.forEach(entry -> entry.done().completeExceptionally(e));
                finished(target);
                return;
            }
        }
    }
}
