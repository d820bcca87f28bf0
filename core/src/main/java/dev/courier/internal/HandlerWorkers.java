package dev.courier.internal;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Runs a subscription's handler tasks on an executor, at most {@code limit} at once, the others
 * waiting in order. The executor is the user's ({@code ConsumerOptions.withExecutor}), never shut
 * down here, or a pool of the subscription's own whose threads end after an idle keep-alive.
 * Closing is in the shape of an {@code ExecutorService}: {@link #shutdown()} lets no waiting task
 * start, {@link #awaitTermination} waits for the started ones, {@link #interruptRunning()}
 * interrupts them. Thread safe.
 */
final class HandlerWorkers {

    private final Executor executor;
    /** The pool of our own, or {@code null} when the executor is the user's. */
    private final ThreadPoolExecutor own;
    private final int limit;
    private final Consumer<Runnable> refused;

    private final Object lock = new Object();
    private final ArrayDeque<Runnable> waiting = new ArrayDeque<>();
    /** Threads running one of our tasks now. */
    private final Set<Thread> running = new HashSet<>();
    /** Threads we interrupted, whose interrupt we clear before they go back to the executor. */
    private final Set<Thread> interrupted = new HashSet<>();
    /** Tasks handed to the executor and not finished. */
    private int started;
    private boolean shutdown;

    /**
     * @param executor the user's executor, or {@code null} for a pool of {@code limit} threads named {@code name-<n>}
     * @param refused  called with a task the user's executor refused, to try it again later
     */
    HandlerWorkers(Executor executor, int limit, String name, Duration keepAlive, Consumer<Runnable> refused) {
        this.limit = limit;
        this.refused = refused;
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
        synchronized (lock) {
            if (shutdown) {
                throw new RejectedExecutionException("closing");
            }
            waiting.add(task);
        }
        drain();
    }

    private void drain() {
        while (true) {
            Runnable next;
            synchronized (lock) {
                if (shutdown || started >= limit || waiting.isEmpty()) {
                    return;
                }
                next = waiting.poll();
                started++;
            }
            try {
                executor.execute(() -> run(next));
            } catch (RejectedExecutionException e) {
                finished();
                if (own == null) {
                    refused.accept(next);
                }
                return;
            }
        }
    }

    private void run(Runnable task) {
        Thread thread = Thread.currentThread();
        synchronized (lock) {
            running.add(thread);
        }
        try {
            task.run();
        } finally {
            boolean ours;
            synchronized (lock) {
                running.remove(thread);
                ours = interrupted.remove(thread);
            }
            if (ours) {
                Thread.interrupted(); // the executor's thread goes back without our interrupt
            }
            finished();
            drain();
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
