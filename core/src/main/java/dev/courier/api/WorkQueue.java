package dev.courier.api;

import java.time.Duration;
import java.time.Instant;
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

    /**
     * Submits a job due at {@code deliverAt}: the broker holds it durably until then (across broker
     * restarts and while no worker runs) and a worker receives it afterwards, within the
     * transport's granularity; a time not in the future means at once. See
     * {@link OutgoingMessage#withDeliverAt(Instant)}.
     *
     * @throws UnsupportedOperationException when the transport has no delayed delivery
     * @throws IllegalArgumentException      when {@code deliverAt} is further ahead than the transport reaches
     */
    default CompletionStage<PublishReceipt> submit(T job, Instant deliverAt) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " does not schedule jobs");
    }

    /** Submits a job due {@code delay} from now; see {@link #submit(Object, Instant)}. */
    default CompletionStage<PublishReceipt> submit(T job, Duration delay) {
        if (delay.isNegative()) {
            throw new IllegalArgumentException("a delay must not be negative: " + delay);
        }
        return submit(job, Instant.now().plus(delay));
    }

    /** Starts one worker with default options. */
    Subscription work(MessageHandler<T> handler);

    /** Starts workers as {@code options} say; several calls (in one or many processes) compete for jobs. */
    Subscription work(MessageHandler<T> handler, ConsumerOptions options);

    /** Works on the jobs in batches, with {@link ConsumerOptions#defaults()} (grown to {@code batch.maxMessages()} workers). */
    default Subscription workBatch(BatchOptions batch, BatchHandler<T> handler) {
        return workBatch(batch, handler, ConsumerOptions.defaults());
    }

    /**
     * Works on the jobs like {@link #work(MessageHandler, ConsumerOptions)}, handing them to
     * {@code handler} in batches of up to {@code batch.maxMessages()}, or what arrived within
     * {@code batch.maxWait()}, with an outcome per job (see {@link BatchHandler}): a failed job is
     * retried and dead-lettered alone. At least {@code batch.maxMessages()} workers run. The
     * default refuses (implementations outside Courier keep compiling); Courier's queues override it.
     */
    default Subscription workBatch(BatchOptions batch, BatchHandler<T> handler, ConsumerOptions options) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " does not work in batches");
    }
}
