package dev.courier.testkit;

import dev.courier.api.Message;
import dev.courier.api.MessageHandler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Assertions;

/**
 * A handler that records every message it is given, with ways to wait for them. Thread safe.
 * Waiting blocks on a condition (no polling), up to a timeout, then fails the test with what
 * arrived so far.
 *
 * @param <T> payload type
 */
public class Inbox<T> implements MessageHandler<T> {

    private static final long RECHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    private final List<Message<T>> received = new ArrayList<>();
    private final MessageHandler<T> behaviour;

    /** An inbox that accepts every message. */
    public Inbox() {
        this(message -> { });
    }

    /** An inbox that records a message, then runs {@code behaviour} on it (which may throw). */
    public Inbox(MessageHandler<T> behaviour) {
        this.behaviour = behaviour;
    }

    @Override
    public void handle(Message<T> message) throws Exception {
        synchronized (this) {
            received.add(message);
            notifyAll();
        }
        behaviour.handle(message);
    }

    /** A snapshot of everything received, in arrival order. */
    public synchronized List<Message<T>> messages() {
        return List.copyOf(received);
    }

    /** Payloads received, in arrival order. */
    public synchronized List<T> payloads() {
        return received.stream().map(Message::payload).toList();
    }

    /** Distinct message ids received. */
    public synchronized Set<String> ids() {
        Set<String> ids = new LinkedHashSet<>();
        received.forEach(m -> ids.add(m.id()));
        return ids;
    }

    /** Waits until at least {@code count} messages arrived; returns them all. */
    public List<Message<T>> awaitCount(int count, Duration timeout) {
        return awaitUntil(all -> all.size() >= count, timeout, "at least " + count + " message(s)");
    }

    /** Waits until every id in {@code ids} arrived at least once. */
    public List<Message<T>> awaitIds(Set<String> ids, Duration timeout) {
        return awaitUntil(all -> {
            Set<String> seen = new LinkedHashSet<>();
            all.forEach(m -> seen.add(m.id()));
            return seen.containsAll(ids);
        }, timeout, "all of " + ids.size() + " id(s)");
    }

    /** Waits until a message matching {@code condition} arrived; returns it. */
    public Message<T> awaitMessage(Predicate<Message<T>> condition, Duration timeout, String description) {
        List<Message<T>> all = awaitUntil(list -> list.stream().anyMatch(condition), timeout, description);
        return all.stream().filter(condition).findFirst().orElseThrow();
    }

    /**
     * Waits until {@code condition} holds over the received messages; returns them all. The
     * condition is checked on every arrival and at least every 50 ms, so it may also look at
     * state outside the inbox.
     */
    public synchronized List<Message<T>> awaitUntil(Predicate<List<Message<T>>> condition, Duration timeout,
                                                    String description) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.test(received)) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                Set<String> distinct = new LinkedHashSet<>();
                received.forEach(m -> distinct.add(m.id()));
                Assertions.fail("timed out after " + timeout + " waiting for " + description + "; received "
                        + received.size() + " message(s), " + distinct.size() + " distinct");
            }
            try {
                TimeUnit.NANOSECONDS.timedWait(this, Math.min(left, RECHECK_NANOS));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                Assertions.fail("interrupted while waiting for " + description);
            }
        }
        return List.copyOf(received);
    }
}
