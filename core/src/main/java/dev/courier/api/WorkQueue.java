package dev.courier.api;

import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * A durable queue of jobs, each handled by exactly one worker, retried, and dead-lettered to
 * {@code <name>.dlq} when its attempts run out. Jobs submitted before any worker started are kept.
 * Obtained from {@link MessageBus#workQueue}; thread safe.
 *
 * @param <T> the job payload type
 */
public interface WorkQueue<T> {

    /** The queue's name. */
    String name();

    /** Submits a job; the stage completes once the broker durably holds it. */
    CompletionStage<PublishReceipt> submit(T job);

    /** Submits a job with headers; the stage completes once the broker durably holds it. */
    CompletionStage<PublishReceipt> submit(T job, Map<String, String> headers);

    /** Starts one worker with default options. */
    Subscription work(MessageHandler<T> handler);

    /** Starts workers as {@code options} say; several calls (in one or many processes) compete for jobs. */
    Subscription work(MessageHandler<T> handler, ConsumerOptions options);
}
