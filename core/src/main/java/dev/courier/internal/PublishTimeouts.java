package dev.courier.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Fails the sends of a bus that the broker has not confirmed within the publish timeout, as
 * {@link CompletableFuture#orTimeout} would (the transport's stage completes with a
 * {@link TimeoutException}), but with one timer for all of them instead of one per publish:
 * {@code orTimeout} scheduled a task on the JDK's shared delay queue and cancelled (removed) it
 * again for every publish, under that queue's lock, which a broker's confirming thread and the
 * publishing thread then contended for. Every send waits the same timeout, so the sends form a
 * queue in deadline order: a send is linked in when sent and unlinked when confirmed (no hash, no
 * allocation), and the one timer, due at the first deadline, fails what is due and waits for the
 * next. Thread safe.
 */
final class PublishTimeouts {

    /** A send being watched: links to the others, its transport stage and deadline; guarded by the lock. */
    abstract static class Watched<R> extends CompletableFuture<R> {
        private final CompletableFuture<?> sent;
        private Watched<?> previous;
        private Watched<?> next;
        private boolean held;
        private long deadline;

        Watched(CompletableFuture<?> sent) {
            this.sent = sent;
        }
    }

    /** About 73 years: a longer timeout waits as long. */
    private static final long LONGEST = Long.MAX_VALUE / 4;

    private final long timeoutNanos;
    private Watched<?> first;
    private Watched<?> last;
    /** True while a timer is due (at or before the first deadline): at most one is. */
    private boolean timerSet;

    PublishTimeouts(Duration timeout) {
        long nanos;
        try {
            nanos = timeout.toNanos();
        } catch (ArithmeticException beyondNanos) {
            nanos = Long.MAX_VALUE;
        }
        this.timeoutNanos = Math.min(nanos, LONGEST); // deadlines computed from nanoTime() must not overflow
    }

    /** Starts watching {@code watched}: its send fails with a {@link TimeoutException} unless it is {@link #done} in time. */
    void watch(Watched<?> watched) {
        boolean setTimer;
        synchronized (this) {
            watched.deadline = System.nanoTime() + timeoutNanos; // read under the lock: the queue stays in deadline order
            watched.held = true;
            watched.previous = last;
            if (last != null) {
                last.next = watched;
            } else {
                first = watched;
            }
            last = watched;
            setTimer = !timerSet;
            timerSet = true;
        }
        if (setTimer) {
            setTimer(timeoutNanos);
        }
    }

    /** Stops watching {@code watched}, its send completed. */
    synchronized void done(Watched<?> watched) {
        unlink(watched);
    }

    private void unlink(Watched<?> watched) {
        if (!watched.held) {
            return;
        }
        watched.held = false;
        if (watched.previous != null) {
            watched.previous.next = watched.next;
        } else {
            first = watched.next;
        }
        if (watched.next != null) {
            watched.next.previous = watched.previous;
        } else {
            last = watched.previous;
        }
        watched.previous = null;
        watched.next = null;
    }

    /** The timer: fails the sends that are due, then waits for the next deadline, if any send is left. */
    private void expire() {
        List<CompletableFuture<?>> due = new ArrayList<>();
        long wait; // until the next deadline; 0 when no send is left
        synchronized (this) {
            long now = System.nanoTime();
            while (first != null && first.deadline - now <= 0) {
                Watched<?> expired = first;
                unlink(expired);
                due.add(expired.sent);
            }
            timerSet = first != null;
            wait = first == null ? 0 : first.deadline - now;
        }
        if (wait > 0) {
            setTimer(wait);
        }
        for (CompletableFuture<?> sent : due) {
            sent.completeExceptionally(new TimeoutException()); // as orTimeout: the send's own stage fails
        }
    }

    /**
     * Runs {@link #expire} after {@code nanos} on the JDK's delay thread, as {@code orTimeout}'s
     * timeouts ran, which never shuts down: a send left unconfirmed when its bus closed still fails in time.
     */
    private void setTimer(long nanos) {
        Executor timer = CompletableFuture.delayedExecutor(nanos, TimeUnit.NANOSECONDS, Runnable::run);
        timer.execute(this::expire);
    }
}
