package dev.courier.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.courier.api.BatchOptions;
import dev.courier.api.ConsumerOptions;
import dev.courier.api.Message;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class BatchingHandlerTest {

    private final ExecutorService workers = Executors.newFixedThreadPool(4);

    @AfterEach
    void stopWorkers() {
        workers.shutdownNow();
    }

    private static Message<String> message(String payload) {
        return new Message<>(payload, "t", null, Map.of(), payload, "text/plain", Instant.EPOCH, 1);
    }

    @Test
    void a_batch_runs_once_it_holds_max_messages_and_each_worker_returns() throws Exception {
        List<List<String>> batches = new CopyOnWriteArrayList<>();
        BatchingHandler<String> handler = BatchingHandler.of(batch -> batches.add(batch.payloads()),
                BatchOptions.of(3, Duration.ofHours(1)));

        List<Future<?>> calls = new ArrayList<>();
        for (String payload : List.of("a", "b", "c")) {
            calls.add(workers.submit(() -> {
                handler.handle(message(payload));
                return null;
            }));
        }
        for (Future<?> call : calls) {
            call.get(10, TimeUnit.SECONDS);
        }

        assertEquals(1, batches.size());
        assertEquals(3, batches.get(0).size());
    }

    @Test
    void a_batch_that_does_not_fill_runs_after_max_wait() throws Exception {
        List<List<String>> batches = new CopyOnWriteArrayList<>();
        BatchingHandler<String> handler = BatchingHandler.of(batch -> batches.add(batch.payloads()),
                BatchOptions.of(100, Duration.ofMillis(20)));

        handler.handle(message("alone"));

        assertEquals(List.of(List.of("alone")), batches);
    }

    @Test
    void a_message_marked_failed_throws_its_cause_from_its_own_call_only() throws Exception {
        IllegalStateException cause = new IllegalStateException("b is bad");
        BatchingHandler<String> handler = BatchingHandler.of(batch -> batch.messages().stream()
                .filter(m -> m.payload().equals("b")).forEach(m -> batch.fail(m, cause)), BatchOptions.of(2, Duration.ofHours(1)));

        Future<?> a = workers.submit(() -> {
            handler.handle(message("a"));
            return null;
        });
        Future<?> b = workers.submit(() -> {
            handler.handle(message("b"));
            return null;
        });

        a.get(10, TimeUnit.SECONDS);
        ExecutionException failure = assertThrows(ExecutionException.class, () -> b.get(10, TimeUnit.SECONDS));
        assertSame(cause, failure.getCause());
    }

    @Test
    void a_handler_that_throws_fails_every_message_of_its_batch() throws Exception {
        IllegalStateException cause = new IllegalStateException("database down");
        BatchingHandler<String> handler = BatchingHandler.of(batch -> {
            throw cause;
        }, BatchOptions.of(2, Duration.ofHours(1)));

        Future<?> a = workers.submit(() -> {
            handler.handle(message("a"));
            return null;
        });
        Future<?> b = workers.submit(() -> {
            handler.handle(message("b"));
            return null;
        });

        assertSame(cause, assertThrows(ExecutionException.class, () -> a.get(10, TimeUnit.SECONDS)).getCause());
        assertSame(cause, assertThrows(ExecutionException.class, () -> b.get(10, TimeUnit.SECONDS)).getCause());
    }

    @Test
    void marking_a_message_of_another_batch_is_refused() throws Exception {
        List<Exception> refused = new CopyOnWriteArrayList<>();
        BatchingHandler<String> handler = BatchingHandler.of(batch -> {
            try {
                batch.fail(message("stranger"), new RuntimeException());
            } catch (IllegalArgumentException e) {
                refused.add(e);
            }
        }, BatchOptions.of(1, Duration.ofHours(1)));

        handler.handle(message("a"));

        assertEquals(1, refused.size());
    }

    @Test
    void the_subscription_runs_at_least_max_messages_workers() {
        assertEquals(50, BatchingHandler.workersFor(BatchOptions.of(50, Duration.ofMillis(1)), ConsumerOptions.defaults())
                .concurrency());
        assertEquals(80, BatchingHandler.workersFor(BatchOptions.of(50, Duration.ofMillis(1)), ConsumerOptions.concurrency(80))
                .concurrency());
    }
}
