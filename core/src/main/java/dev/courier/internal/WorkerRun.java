package dev.courier.internal;

import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The run of handler tasks the one worker thread of a {@code concurrency} 1 subscription
 * ({@code HandlerWorkers}) is in: where work a task
 * may leave for later (memory://'s acks, applied to their queue in one lock hold for many
 * messages instead of one per message) is flushed before the worker takes more tasks, and
 * before it ends. A transport asks {@link #current()}; outside a run (another thread, a close)
 * it gets {@code null} and does the work at once. Used by one thread; not thread safe.
 */
public final class WorkerRun {

    /** Work left for the end of a run. */
    public interface Deferred {
        /** Does the work left so far; called on the run's thread, never throws on purpose. */
        void flush();
    }

    private static final Logger log = LoggerFactory.getLogger(WorkerRun.class);
    private static final ThreadLocal<WorkerRun> CURRENT = new ThreadLocal<>();

    private Deferred[] deferred = new Deferred[2];
    private int count;

    private WorkerRun() {
    }

    /** The run the calling thread is in, or {@code null}. */
    public static WorkerRun current() {
        return CURRENT.get();
    }

    /** Has {@code work} flushed at the run's next flush (once, however often it is deferred). */
    public void defer(Deferred work) {
        for (int i = 0; i < count; i++) {
            if (deferred[i] == work) {
                return;
            }
        }
        if (count == deferred.length) {
            deferred = Arrays.copyOf(deferred, count * 2);
        }
        deferred[count++] = work;
    }

    /** Starts a run on this thread; returns the run it was in (a worker run inline by another), for {@link #end}. */
    static WorkerRun begin() {
        WorkerRun outer = CURRENT.get();
        CURRENT.set(new WorkerRun());
        return outer;
    }

    /** Flushes and ends this thread's run, going back to {@code outer}. */
    static void end(WorkerRun outer) {
        try {
            flushCurrent();
        } finally {
            if (outer == null) {
                CURRENT.remove();
            } else {
                CURRENT.set(outer);
            }
        }
    }

    /** Flushes the work this thread's run deferred so far. */
    static void flushCurrent() {
        WorkerRun run = CURRENT.get();
        if (run == null) {
            return;
        }
        while (run.count > 0) { // a flush may defer more (a drain handing this thread new work)
            Deferred work = run.deferred[--run.count];
            run.deferred[run.count] = null;
            try {
                work.flush();
            } catch (RuntimeException e) {
                log.error("Deferred work {} failed", work, e);
            }
        }
    }
}
