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

    /** Flushed at every flush of the run. */
    private final Pending deferred = new Pending();
    /** Flushed once, when the run ends, after its last flush. */
    private final Pending atEnd = new Pending();

    private WorkerRun() {
    }

    /** The run the calling thread is in, or {@code null}. */
    public static WorkerRun current() {
        return CURRENT.get();
    }

    /** Has {@code work} flushed at the run's next flush (once, however often it is deferred). */
    public void defer(Deferred work) {
        deferred.add(work);
    }

    /**
     * Has {@code work} flushed once when the run ends, after the last flush of the work
     * {@linkplain #defer deferred} (once, however often it is asked). Work it defers in turn is
     * flushed before the run ends.
     */
    public void atEnd(Deferred work) {
        atEnd.add(work);
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
            WorkerRun run = CURRENT.get();
            flushCurrent();
            while (run != null && run.atEnd.flushOne()) {
                flushCurrent();
            }
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
        while (run.deferred.flushOne()) { // a flush may defer more (a drain handing this thread new work)
        }
    }

    /** Work waiting for a flush, each piece once. */
    private static final class Pending {
        private Deferred[] work = new Deferred[2];
        private int count;

        void add(Deferred piece) {
            for (int i = 0; i < count; i++) {
                if (work[i] == piece) {
                    return;
                }
            }
            if (count == work.length) {
                work = Arrays.copyOf(work, count * 2);
            }
            work[count++] = piece;
        }

        /** Flushes the piece added last; false when none waits. */
        boolean flushOne() {
            if (count == 0) {
                return false;
            }
            Deferred piece = work[--count];
            work[count] = null;
            try {
                piece.flush();
            } catch (RuntimeException e) {
                log.error("Deferred work {} failed", piece, e);
            }
            return true;
        }
    }
}
