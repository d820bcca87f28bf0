package dev.courier.internal;

import static dev.courier.internal.Eventually.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class HandlerWorkersTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private final ExecutorService pool = Executors.newFixedThreadPool(2);
    private final AtomicInteger handedOver = new AtomicInteger();

    @AfterEach
    void tearDown() {
        pool.shutdownNow();
    }

    private HandlerWorkers countingWorkers(int limit) {
        return new HandlerWorkers(task -> {
            handedOver.incrementAndGet();
            pool.execute(task);
        }, limit, "test", Duration.ofSeconds(5), refused -> { });
    }

    @Test
    void tasks_waiting_behind_a_running_one_reach_the_executor_in_one_hand_over() throws Exception {
        HandlerWorkers workers = countingWorkers(1);
        CountDownLatch gate = new CountDownLatch(1);
        List<Integer> ran = new CopyOnWriteArrayList<>();
        workers.execute(() -> {
            awaitQuietly(gate);
            ran.add(0);
        });
        for (int i = 1; i < 100; i++) {
            int n = i;
            workers.execute(() -> ran.add(n));
        }
        gate.countDown();
        await(() -> ran.size() == 100, WAIT, "every task ran");
        assertEquals(1, handedOver.get());
        for (int i = 0; i < 100; i++) {
            assertEquals(i, ran.get(i), "tasks run in the order given");
        }
    }

    /** A task that holds its worker until {@code gate} opens, then counts itself in {@code ran}. */
    private static void executeHeld(HandlerWorkers workers, CountDownLatch gate, AtomicInteger ran) {
        workers.execute(() -> {
            awaitQuietly(gate);
            ran.incrementAndGet();
        });
    }

    @Test
    void tasks_given_together_reach_the_executor_in_one_hand_over_in_their_order() {
        HandlerWorkers workers = countingWorkers(1);
        List<Integer> ran = new CopyOnWriteArrayList<>();
        List<Runnable> tasks = new java.util.ArrayList<>();
        for (int i = 0; i < 100; i++) {
            int n = i;
            tasks.add(() -> ran.add(n));
        }
        workers.executeAll(tasks);
        await(() -> ran.size() == 100, WAIT, "every task ran");
        assertEquals(1, handedOver.get());
        for (int i = 0; i < 100; i++) {
            assertEquals(i, ran.get(i), "tasks run in the order given");
        }
    }

    @Test
    void tasks_given_together_start_at_most_the_free_workers() throws Exception {
        HandlerWorkers workers = countingWorkers(2);
        CountDownLatch gate = new CountDownLatch(1);
        AtomicInteger done = new AtomicInteger();
        executeHeld(workers, gate, done);
        workers.executeAll(List.of(done::incrementAndGet, done::incrementAndGet, done::incrementAndGet));
        assertEquals(2, handedOver.get(), "one more worker for the one free slot");
        gate.countDown();
        await(() -> done.get() == 4, WAIT, "every task ran");
    }

    @Test
    void a_worker_gives_its_thread_back_after_a_batch_and_is_handed_over_again() {
        HandlerWorkers workers = countingWorkers(1);
        CountDownLatch gate = new CountDownLatch(1);
        AtomicInteger ran = new AtomicInteger();
        executeHeld(workers, gate, ran);
        for (int i = 1; i < HandlerWorkers.BATCH + 10; i++) {
            workers.execute(ran::incrementAndGet);
        }
        gate.countDown();
        await(() -> ran.get() == HandlerWorkers.BATCH + 10, WAIT, "every task ran");
        assertEquals(2, handedOver.get());
    }

    @Test
    void shutdown_while_a_taken_batch_runs_lets_none_of_the_rest_start() throws Exception {
        HandlerWorkers workers = countingWorkers(1);
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch gate = new CountDownLatch(1);
        AtomicInteger rest = new AtomicInteger();
        List<Runnable> tasks = new java.util.ArrayList<>();
        tasks.add(() -> {
            started.countDown();
            awaitQuietly(gate);
        });
        for (int i = 0; i < 10; i++) {
            tasks.add(rest::incrementAndGet);
        }
        workers.executeAll(tasks); // all waiting when the one worker starts: it takes them in one go
        assertTrue(started.await(10, TimeUnit.SECONDS));
        workers.shutdown();
        gate.countDown();
        assertTrue(workers.awaitTermination(TimeUnit.SECONDS.toNanos(10)));
        assertEquals(0, rest.get(), "no task taken with the running one started after shutdown");
    }

    @Test
    void a_single_worker_flushes_deferred_work_before_it_takes_more_and_runs_what_the_flush_gave_it() {
        HandlerWorkers workers = countingWorkers(1);
        List<String> ran = new CopyOnWriteArrayList<>();
        WorkerRun.Deferred flushOnce = new WorkerRun.Deferred() {
            private boolean flushed;

            @Override
            public void flush() {
                ran.add("flush");
                if (!flushed) {
                    flushed = true;
                    workers.execute(() -> ran.add("given by the flush"));
                }
            }
        };
        workers.executeAll(List.of(() -> {
            ran.add("first");
            WorkerRun.current().defer(flushOnce);
            WorkerRun.current().defer(flushOnce);
        }, () -> ran.add("second")));
        await(() -> ran.size() == 4, WAIT, "both tasks, the flush and the task it gave");
        assertEquals(List.of("first", "second", "flush", "given by the flush"), ran);
        assertEquals(1, handedOver.get(), "the same worker ran the task the flush gave it");
    }

    @Test
    void no_more_tasks_run_at_once_than_the_limit() throws Exception {
        HandlerWorkers workers = countingWorkers(2);
        AtomicInteger running = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        AtomicInteger done = new AtomicInteger();
        for (int i = 0; i < 200; i++) {
            workers.execute(() -> {
                most.accumulateAndGet(running.incrementAndGet(), Math::max);
                Thread.onSpinWait();
                running.decrementAndGet();
                done.incrementAndGet();
            });
        }
        await(() -> done.get() == 200, WAIT, "every task ran");
        assertTrue(most.get() <= 2, "at most 2 at once, saw " + most.get());
        assertTrue(workers.awaitTermination(TimeUnit.SECONDS.toNanos(10)));
    }

    @Test
    void a_task_the_users_executor_refuses_goes_to_the_refusal_callback() {
        List<Runnable> refused = new CopyOnWriteArrayList<>();
        HandlerWorkers workers = new HandlerWorkers(task -> {
            throw new RejectedExecutionException("full");
        }, 1, "test", Duration.ofSeconds(5), refused::add);
        Runnable task = () -> { };
        workers.execute(task);
        assertEquals(List.of(task), refused);
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
