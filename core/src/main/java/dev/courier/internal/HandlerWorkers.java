package dev.courier.internal;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Runs a subscription's handler tasks on an executor, at most {@code limit} at once, the others
 * waiting in order. Tasks are handed over in batches: at most {@code limit} workers are given to
 * the executor, each running waiting tasks one after another (up to {@link #BATCH} before it gives
 * its thread back) until none waits, so a busy subscription costs one executor hand-off per batch,
 * not one per message. A single worker ({@code limit} 1) takes all waiting tasks (up to the batch)
 * in one lock hold, and work its tasks deferred ({@link WorkerRun}) is flushed between takes. The
 * executor is the user's ({@code ConsumerOptions.withExecutor}), never shut
 * down here, or a pool of the subscription's own whose threads end after an idle keep-alive.
 * Closing is in the shape of an {@code ExecutorService}: {@link #shutdown()} lets no waiting task
 * start, {@link #awaitTermination} waits for the started ones, {@link #interruptRunning()}
 * interrupts them. Thread safe.
 */
final class HandlerWorkers {

    /** Tasks a worker runs at most before it gives its thread back to the executor (and is handed over again). */
    static final int BATCH = 256;

    private final Executor executor;
    /** The pool of our own, or {@code null} when the executor is the user's. */
    private final ThreadPoolExecutor own;
    private final int limit;
    private final Consumer<Runnable> refused;

    private final Object lock = new Object();
    private final ArrayDeque<Runnable> waiting = new ArrayDeque<>();
    /**
     * Threads running one of our tasks now. Identity sets: adding to one allocates nothing (a
     * {@code HashSet} allocated a node each time a worker started, which at low load is once per
     * message, and led the allocation profile of the memory:// benchmark).
     */
    private final Set<Thread> running = Collections.newSetFromMap(new IdentityHashMap<>());
    /** Threads we interrupted, whose interrupt we clear before they go back to the executor. */
    private final Set<Thread> interrupted = Collections.newSetFromMap(new IdentityHashMap<>());
    /** Workers handed to the executor and not finished. */
    private int started;
    private final Runnable worker = this::work;
    /**
     * The tasks the one worker of a {@code limit} 1 instance took in one lock hold ({@code null}
     * with more workers, who take one task at a time into an array of their own).
     */
    private final Runnable[] taken;
    /** Set under the lock; read without it before each task a worker took runs. */
    private volatile boolean shutdown;

    /**
     * @param executor the user's executor, or {@code null} for a pool of {@code limit} threads named {@code name-<n>}
     * @param refused  called with a task the user's executor refused, to try it again later
     */
    HandlerWorkers(Executor executor, int limit, String name, Duration keepAlive, Consumer<Runnable> refused) {
        this.limit = limit;
        this.refused = refused;
        this.taken = limit == 1 ? new Runnable[BATCH] : null;
        if (executor != null) {
            this.executor = executor;
            this.own = null;
        } else {
            this.own = new ThreadPoolExecutor(limit, limit, keepAlive.toMillis(), TimeUnit.MILLISECONDS,
                    new LinkedBlockingQueue<>(), new NamedThreads(name));
            this.own.allowCoreThreadTimeOut(true);
            this.executor = own;
        }
    }

    /** Runs {@code task} once fewer than {@code limit} tasks run; after {@link #shutdown()} it throws. */
    void execute(Runnable task) {
        submit(task, null);
    }

    /**
     * Runs {@code tasks} in their order, as {@link #execute} each would, with one hand-over per free
     * worker slot for all of them rather than one per task whenever the workers ran out of tasks.
     */
    void executeAll(List<? extends Runnable> tasks) {
        if (!tasks.isEmpty()) {
            submit(null, tasks);
        }
    }

    /**
     * Queues {@code one} task, or else every one of {@code many} in order, and hands a worker to the
     * executor per free slot, at most one per task queued: one path for one task and for many, and
     * no list made for one.
     */
    private void submit(Runnable one, List<? extends Runnable> many) {
        int handOvers;
        synchronized (lock) {
            if (shutdown) {
                throw new RejectedExecutionException("closing");
            }
            int count;
            if (one != null) {
                waiting.add(one);
                count = 1;
            } else {
                for (Runnable task : many) {
                    waiting.add(task);
                }
                count = many.size();
            }
            handOvers = Math.min(limit - started, count);
            if (handOvers <= 0) {
                return; // running workers take them
            }
            started += handOvers;
        }
        for (int i = 0; i < handOvers; i++) {
            handOver();
        }
    }

    /** Gives a worker (counted in {@code started} already) to the executor. */
    private void handOver() {
        try {
            executor.execute(worker);
        } catch (RejectedExecutionException e) {
            Runnable next;
            synchronized (lock) {
                next = own == null ? waiting.poll() : null;
            }
            finished();
            if (next != null) {
                refused.accept(next);
            }
        }
    }

    /**
     * One worker: runs waiting tasks in order until none waits, or {@link #BATCH} ran and it hands
     * itself over again. A single worker ({@code limit} 1) takes every waiting task (up to the
     * batch) in one lock hold and runs them without locking again; with more workers each takes one
     * at a time, so no task waits behind a busy worker while another is free. A single worker's
     * tasks run in a {@link WorkerRun}, whose deferred work is flushed before the worker takes more
     * and before it ends (with more workers, each ack going to the queue at once measured faster:
     * their runs are one task long).
     */
    private void work() {
        Thread thread = Thread.currentThread();
        boolean again = false;
        boolean single = limit == 1;
        Runnable[] tasks = single ? taken : new Runnable[1];
        WorkerRun outer = single ? WorkerRun.begin() : null;
        try {
            for (int ran = 0; ; ) {
                int count;
                synchronized (lock) {
                    if (ran == 0) {
                        running.add(thread);
                    }
                    if (interrupted.remove(thread)) {
                        Thread.interrupted(); // the next task, or the executor's thread, goes on without our interrupt
                    }
                    count = shutdown ? 0 : takeLocked(tasks, BATCH - ran);
                    if (count == 0) {
                        running.remove(thread);
                        if (!shutdown && !waiting.isEmpty()) { // BATCH ran
                            again = true;
                            break;
                        }
                        started--;
                        lock.notifyAll();
                        return;
                    }
                }
                ran += count;
                runTaken(tasks, count);
                if (single) {
                    WorkerRun.flushCurrent(); // before taking more: it may hand this worker more (a drain filling the room made)
                }
            }
        } catch (RuntimeException | Error e) {
            synchronized (lock) { // a task threw (a pipeline never does): this worker ends, another takes its place
                running.remove(thread);
                if (interrupted.remove(thread)) {
                    Thread.interrupted();
                }
                again = !shutdown && !waiting.isEmpty();
                if (!again) {
                    started--;
                    lock.notifyAll();
                }
            }
            if (again) {
                handOver();
            }
            throw e;
        } finally {
            if (single) {
                WorkerRun.end(outer);
            }
        }
        if (again) {
            handOver(); // still counted in started: the same worker, on a thread the executor picks
        }
    }

    /** Moves up to {@code max} waiting tasks (at most {@code tasks.length}) into {@code tasks}; holding the lock. */
    private int takeLocked(Runnable[] tasks, int max) {
        int count = 0;
        int most = Math.min(max, tasks.length);
        Runnable next;
        while (count < most && (next = waiting.poll()) != null) {
            tasks[count++] = next;
        }
        return count;
    }

    /**
     * Runs the first {@code count} of {@code tasks}, none once {@link #shutdown()} was called.
     * If one throws, the ones after it wait again, first in line.
     */
    private void runTaken(Runnable[] tasks, int count) {
        int i = 0;
        try {
            for (; i < count; i++) {
                Runnable task = tasks[i];
                tasks[i] = null;
                if (!shutdown) {
                    task.run();
                }
            }
        } catch (RuntimeException | Error e) {
            synchronized (lock) {
                for (int j = count - 1; j > i; j--) {
                    if (!shutdown) {
                        waiting.addFirst(tasks[j]);
                    }
                    tasks[j] = null;
                }
            }
            throw e;
        }
    }

    private void finished() {
        synchronized (lock) {
            started--;
            lock.notifyAll();
        }
    }

    /** Lets no waiting or new task start; started ones go on. */
    void shutdown() {
        synchronized (lock) {
            shutdown = true;
            waiting.clear();
        }
        if (own != null) {
            own.shutdown();
        }
    }

    /** Waits up to {@code nanos} for the started tasks to finish; true if they did. */
    boolean awaitTermination(long nanos) throws InterruptedException {
        long deadline = System.nanoTime() + nanos;
        synchronized (lock) {
            while (started > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(lock, left);
            }
        }
        return true;
    }

    /** Interrupts the tasks running now. */
    void interruptRunning() {
        synchronized (lock) {
            for (Thread thread : running) {
                interrupted.add(thread);
                thread.interrupt();
            }
        }
        if (own != null) {
            int neverRun = own.shutdownNow().size();
            synchronized (lock) {
                started -= neverRun;
                lock.notifyAll();
            }
        }
    }
}
