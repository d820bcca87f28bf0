package dev.courier.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** One timer for the publish timeouts of a bus: what is confirmed in time is left alone, the rest fails as orTimeout failed it. */
@Timeout(30)
class PublishTimeoutsTest {

    /** A watched send: completes with what its send completed with, as the bus's stage does. */
    private static final class Watched extends PublishTimeouts.Watched<String> {
        Watched(PublishTimeouts timeouts, CompletableFuture<Void> sent) {
            super(sent);
            timeouts.watch(this);
            sent.whenComplete((done, failure) -> {
                timeouts.done(this);
                if (failure == null) {
                    complete("confirmed");
                } else {
                    completeExceptionally(failure);
                }
            });
        }
    }

    @Test
    void a_send_unconfirmed_within_the_timeout_fails_with_a_timeout_on_its_own_stage() {
        PublishTimeouts timeouts = new PublishTimeouts(Duration.ofMillis(200));
        CompletableFuture<Void> sent = new CompletableFuture<>();
        Watched watched = new Watched(timeouts, sent);

        ExecutionException e = assertThrows(ExecutionException.class, () -> watched.get(10, TimeUnit.SECONDS));
        assertInstanceOf(TimeoutException.class, e.getCause());
        assertTrue(sent.isCompletedExceptionally());
    }

    @Test
    void sends_confirmed_in_time_are_left_alone_while_later_ones_still_time_out() throws Exception {
        PublishTimeouts timeouts = new PublishTimeouts(Duration.ofMillis(300));
        List<CompletableFuture<Void>> sends = new ArrayList<>();
        List<Watched> watched = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            CompletableFuture<Void> sent = new CompletableFuture<>();
            sends.add(sent);
            watched.add(new Watched(timeouts, sent));
        }
        for (int i = 0; i < 100; i += 2) {
            sends.get(i).complete(null); // the even ones are confirmed, out of the order they were sent in
        }
        for (int i = 0; i < 100; i++) {
            Watched one = watched.get(i);
            if (i % 2 == 0) {
                assertFalse(one.isCompletedExceptionally());
                one.get(10, TimeUnit.SECONDS);
            } else {
                ExecutionException e = assertThrows(ExecutionException.class, () -> one.get(10, TimeUnit.SECONDS));
                assertInstanceOf(TimeoutException.class, e.getCause());
            }
        }

        // the timer is set again for sends watched after the queue emptied
        CompletableFuture<Void> late = new CompletableFuture<>();
        Watched lateWatched = new Watched(timeouts, late);
        ExecutionException e = assertThrows(ExecutionException.class, () -> lateWatched.get(10, TimeUnit.SECONDS));
        assertInstanceOf(TimeoutException.class, e.getCause());
    }

    @Test
    void a_timeout_too_long_for_nanoseconds_waits_without_overflowing() {
        PublishTimeouts timeouts = new PublishTimeouts(Duration.ofSeconds(Long.MAX_VALUE));
        CompletableFuture<Void> sent = new CompletableFuture<>();
        Watched watched = new Watched(timeouts, sent);

        assertFalse(watched.isDone());
        sent.complete(null);
        assertTrue(watched.isDone());
    }
}
