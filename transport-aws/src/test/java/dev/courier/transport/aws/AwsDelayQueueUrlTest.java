package dev.courier.transport.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.model.QueueDoesNotExistException;

/** Which call answers for the delay queue's URL ({@link AwsDelayQueueUrl}): no SQS involved. */
class AwsDelayQueueUrlTest {

    private final List<CompletableFuture<String>> creations = new ArrayList<>();
    private final List<CompletableFuture<String>> lookups = new ArrayList<>();
    private CompletableFuture<String> nextLookup = new CompletableFuture<>();
    private final AwsDelayQueueUrl url = new AwsDelayQueueUrl(() -> add(creations, new CompletableFuture<>()),
            () -> add(lookups, nextLookup));

    private static CompletableFuture<String> add(List<CompletableFuture<String>> calls, CompletableFuture<String> call) {
        calls.add(call);
        return call;
    }

    @Test
    void a_send_while_a_lookup_is_under_way_creates_the_queue() {
        url.forConsume();

        CompletableFuture<String> answer = url.forSend();

        assertSame(creations.get(0), answer);
    }

    @Test
    void a_send_after_a_successful_lookup_uses_its_url() {
        url.forConsume().complete("http://sqs/courier-delay");

        assertEquals("http://sqs/courier-delay", url.forSend().join());
        assertEquals(0, creations.size());
    }

    /** The lookup's answer arrives on an SDK thread while the sender is deciding (CI saw this once). */
    @Test
    void a_lookup_that_fails_while_a_send_looks_at_it_is_not_the_send_s_answer() {
        nextLookup = new CompletableFuture<>() {
            @Override
            public boolean isCompletedExceptionally() {
                return failAfter(super.isCompletedExceptionally());
            }

            @Override
            public boolean isDone() {
                return failAfter(super.isDone());
            }

            /** Answers {@code state}, as read before the lookup failed just now. */
            private boolean failAfter(boolean state) {
                completeExceptionally(QueueDoesNotExistException.builder().message("gone").build());
                return state;
            }
        };
        url.forConsume();

        CompletableFuture<String> answer = url.forSend();

        assertSame(creations.get(0), answer);
        assertEquals(1, lookups.size());
    }

    @Test
    void sends_share_one_creation_and_a_failed_one_is_made_again() {
        CompletableFuture<String> first = url.forSend();
        assertSame(first, url.forSend());

        first.completeExceptionally(new IllegalStateException("unreachable"));
        CompletableFuture<String> again = url.forSend();

        assertSame(creations.get(1), again);
        assertEquals(2, creations.size());
    }

    @Test
    void a_consumer_shares_a_creation_under_way() {
        CompletableFuture<String> creation = url.forSend();

        assertSame(creation, url.forConsume());
        assertEquals(0, lookups.size());
    }

    @Test
    void a_failed_lookup_is_made_again_by_the_next_consumer() {
        url.forConsume().completeExceptionally(QueueDoesNotExistException.builder().message("absent").build());
        nextLookup = new CompletableFuture<>();

        assertSame(nextLookup, url.forConsume());
    }
}
