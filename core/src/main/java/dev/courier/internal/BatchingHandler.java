package dev.courier.internal;

import dev.courier.api.BatchHandler;
import dev.courier.api.BatchOptions;
import dev.courier.api.ConsumerOptions;
import dev.courier.api.Message;
import dev.courier.api.MessageHandler;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a {@link BatchHandler} into the innermost {@link MessageHandler} of an ordinary
 * subscription: each message's worker adds it to the batch being gathered and waits for that
 * batch's outcome for it, so retry, dead-lettering, interceptors and decoding work per message as
 * for any handler. A batch closes when it holds {@code maxMessages}, or {@code maxWait} after its
 * first message came (its first worker waits for that), and runs on the worker that closed it.
 * Thread safe.
 */
public final class BatchingHandler<T> implements MessageHandler<T> {

    private static final Logger log = LoggerFactory.getLogger(BatchingHandler.class);

    private final BatchHandler<T> handler;
    private final int maxMessages;
    private final long maxWaitNanos;
    private final Object lock = new Object();
    private Gathering<T> current; // guarded by lock

    private BatchingHandler(BatchHandler<T> handler, BatchOptions batch) {
        this.handler = handler;
        this.maxMessages = batch.maxMessages();
        this.maxWaitNanos = batch.maxWait().toNanos();
    }

    /** The handler gathering batches for {@code handler}. */
    public static <T> BatchingHandler<T> of(BatchHandler<T> handler, BatchOptions batch) {
        return new BatchingHandler<>(java.util.Objects.requireNonNull(handler, "handler"),
                java.util.Objects.requireNonNull(batch, "batch"));
    }

    /** {@code options} with at least {@code maxMessages} workers, so a batch can fill. */
    public static ConsumerOptions workersFor(BatchOptions batch, ConsumerOptions options) {
        return options.concurrency() >= batch.maxMessages() ? options : options.withConcurrency(batch.maxMessages());
    }

    /** The batch being gathered, its messages and whether it closed. */
    private static final class Gathering<T> {
        final long deadline;
        final List<Message<T>> messages = new ArrayList<>();
        final List<CompletableFuture<Void>> outcomes = new ArrayList<>();
        boolean closed;

        Gathering(long deadline) {
            this.deadline = deadline;
        }
    }

    @Override
    public void handle(Message<T> message) throws Exception {
        CompletableFuture<Void> outcome = new CompletableFuture<>();
        Gathering<T> gathering;
        boolean first;
        boolean full;
        synchronized (lock) {
            gathering = current;
            first = gathering == null;
            if (first) {
                gathering = new Gathering<>(System.nanoTime() + maxWaitNanos);
                current = gathering;
            }
            gathering.messages.add(message);
            gathering.outcomes.add(outcome);
            full = gathering.messages.size() >= maxMessages;
            if (full) {
                close(gathering);
            }
        }
        if (full) {
            run(gathering);
        } else if (first && awaitDeadline(gathering)) {
            run(gathering);
        }
        try {
            outcome.get();
        } catch (ExecutionException e) {
            throw rethrowable(e.getCause());
        }
    }

    /**
     * Waits until {@code gathering} closes or its deadline passes; true when this thread closed it
     * (then it runs it). Interrupted (the subscription is closing), it closes it and runs it
     * anyway, so no message of it waits for ever.
     */
    private boolean awaitDeadline(Gathering<T> gathering) {
        synchronized (lock) {
            long left;
            while (!gathering.closed && (left = gathering.deadline - System.nanoTime()) > 0) {
                try {
                    lock.wait(left / 1_000_000, (int) (left % 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            if (gathering.closed) {
                return false;
            }
            close(gathering);
            return true;
        }
    }

    private void close(Gathering<T> gathering) { // with lock held
        gathering.closed = true;
        if (current == gathering) {
            current = null;
        }
        lock.notifyAll();
    }

    private void run(Gathering<T> gathering) {
        RealBatch<T> batch = new RealBatch<>(gathering.messages);
        Throwable thrown = null;
        try {
            handler.handle(batch);
        } catch (Exception | Error e) {
            thrown = e;
        }
        Map<Message<T>, Throwable> failed = batch.settle();
        if (thrown != null) {
            log.debug("Batch handler {} failed a batch of {} messages: {}", handler, gathering.messages.size(), thrown.toString());
        }
        for (int i = 0; i < gathering.messages.size(); i++) {
            Throwable cause = thrown != null ? thrown : failed.get(gathering.messages.get(i));
            if (cause == null) {
                gathering.outcomes.get(i).complete(null);
            } else {
                gathering.outcomes.get(i).completeExceptionally(cause);
            }
        }
    }

    private static Exception rethrowable(Throwable cause) {
        if (cause instanceof Error error) {
            throw error;
        }
        return cause instanceof Exception exception ? exception : new RuntimeException(cause);
    }

    @Override
    public String toString() {
        return "batches of up to " + maxMessages + " for " + handler;
    }
}
