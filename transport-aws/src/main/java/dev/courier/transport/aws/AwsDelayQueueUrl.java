package dev.courier.transport.aws;

import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * The delay queue's URL, remembered: created by the first delayed send, looked up (failing when the
 * queue is absent) by a transport that only consumes. A sender is never answered by a lookup that
 * has not succeeded, since that lookup may find nothing. Thread safe.
 */
final class AwsDelayQueueUrl {

    private final Supplier<CompletableFuture<String>> create;
    private final Supplier<CompletableFuture<String>> lookUp;
    private CompletableFuture<String> created;
    private CompletableFuture<String> found;

    AwsDelayQueueUrl(Supplier<CompletableFuture<String>> create, Supplier<CompletableFuture<String>> lookUp) {
        this.create = create;
        this.lookUp = lookUp;
    }

    /** The URL, from a creation under way or done if any, else from creating the queue or a successful lookup. */
    synchronized CompletableFuture<String> forSend() {
        CompletableFuture<String> known = reusable(created);
        if (known == null && found != null && found.isDone() && !found.isCompletedExceptionally()) {
            known = found;
        }
        return known != null ? known : (created = create.get());
    }

    /** The URL from a creation or lookup under way or done if any, else from a new lookup. */
    synchronized CompletableFuture<String> forConsume() {
        CompletableFuture<String> known = reusable(created);
        if (known == null) {
            known = reusable(found);
        }
        return known != null ? known : (found = lookUp.get());
    }

    private static CompletableFuture<String> reusable(CompletableFuture<String> call) {
        return call == null || call.isCompletedExceptionally() ? null : call;
    }
}
