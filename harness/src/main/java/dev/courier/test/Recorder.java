package dev.courier.test;

import dev.courier.api.BusListener;
import dev.courier.api.Message;
import dev.courier.api.Route;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;

/**
 * The record behind a {@link TestBus}: listens to the bus, takes confirmed publishes from it,
 * and wakes whoever waits for a condition on the record. Thread safe.
 */
final class Recorder implements BusListener {

    /** The most entries a failure message lists: the latest ones. */
    private static final int SHOWN = 40;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final List<Recorded> entries = new ArrayList<>();

    void add(Recorded entry) {
        lock.lock();
        try {
            entries.add(entry);
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    List<Recorded> snapshot() {
        lock.lock();
        try {
            return List.copyOf(entries);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits until at least {@code n} entries of {@code kind} match, and returns all those that do.
     *
     * @throws AssertionError after {@code timeout}, naming {@code what} and listing the record
     */
    <R extends Recorded> List<R> await(Class<R> kind, Predicate<? super R> matching, int n, String what,
                                       Duration timeout, String busUrl) {
        if (n < 1) {
            throw new IllegalArgumentException("n must be at least 1: " + n);
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        lock.lock();
        try {
            while (true) {
                List<R> found = matching(kind, matching);
                if (found.size() >= n) {
                    return found;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError(failure(what, n, found.size(), timeout, busUrl));
                }
                changed.await(left, TimeUnit.NANOSECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for " + what, e);
        } finally {
            lock.unlock();
        }
    }

    private <R extends Recorded> List<R> matching(Class<R> kind, Predicate<? super R> matching) {
        List<R> found = new ArrayList<>();
        for (Recorded entry : entries) {
            if (kind.isInstance(entry) && matching.test(kind.cast(entry))) {
                found.add(kind.cast(entry));
            }
        }
        return found;
    }

    private String failure(String what, int n, int found, Duration timeout, String busUrl) {
        StringBuilder text = new StringBuilder()
                .append("expected ").append(n).append(' ').append(what).append(" within ")
                .append(timeout.toMillis()).append(" ms but found ").append(found).append("; ")
                .append(busUrl).append(" recorded ");
        if (entries.isEmpty()) {
            return text.append("nothing").toString();
        }
        text.append(entries.size()).append(entries.size() > SHOWN ? " (the last " + SHOWN + " shown):" : ":");
        for (Recorded entry : entries.subList(Math.max(0, entries.size() - SHOWN), entries.size())) {
            text.append("\n  ").append(entry);
        }
        return text.toString();
    }

    @Override
    public void handled(Route route, Message<byte[]> message, Duration duration, Throwable failure) {
        if (failure == null) {
            add(new Recorded.Handled(message.id(), route.topic(), route.group(), message.attempt()));
        }
    }

    @Override
    public void retried(Route route, Message<byte[]> message, Duration delay, Throwable cause) {
        add(new Recorded.Retried(message.id(), route.topic(), route.group(), message.attempt(), delay, cause));
    }

    @Override
    public void deadLettered(Route route, Message<byte[]> message, Throwable cause) {
        add(new Recorded.DeadLettered(message.id(), route.topic(), route.group(),
                HandlerRun.deadLetterQueue(route.topic(), route.group()), message.key(), message.headers(),
                message.payload(), message.attempt(), cause));
    }
}
