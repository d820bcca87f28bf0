package dev.courier.test;

import dev.courier.api.DeadLetterHeaders;
import dev.courier.api.DecodingException;
import dev.courier.api.Message;
import dev.courier.api.MessageHandler;
import dev.courier.api.RetryPolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Runs one handler on one message, synchronously on the calling thread and without a bus, and
 * says what the bus would do next: acknowledge, retry after which delay, or dead-letter with
 * which headers. Immutable.
 *
 * <pre>{@code
 * HandlerRun<OrderPlaced> run = HandlerRun.of(billing).inGroup("billing").withRetry(RetryPolicy.none());
 * Outcome.DeadLettered letter = assertInstanceOf(Outcome.DeadLettered.class, run.attempt(TestMessages.of("orders", order)));
 * }</pre>
 *
 * <p>This mirrors core's rules as the public API documents them (its own tests check it against
 * a real {@code memory://} bus): anything the handler throws is a failed attempt, {@link Error}s
 * included; a {@link DecodingException} is never retried; otherwise
 * {@link RetryPolicy#allowsRetryAfter(int)} decides, and the delay is
 * {@link RetryPolicy#delayBefore(int)} of the next attempt (random when the policy has jitter:
 * use {@link RetryPolicy#exponential} or {@code withJitter(0)} to assert on it); a dead letter
 * carries the original headers plus the {@link DeadLetterHeaders}, and goes to the queue
 * {@link dev.courier.api.Subscription#deadLetterQueue()} names.
 *
 * <p>It runs the handler only: no decoding (the message already holds the payload), no
 * middleware, no trace context. Test those end to end on a {@link TestBus}.
 *
 * @param <T> the payload type
 */
public final class HandlerRun<T> {

    private final MessageHandler<T> handler;
    private final RetryPolicy retry;
    private final String group;

    private HandlerRun(MessageHandler<T> handler, RetryPolicy retry, String group) {
        this.handler = handler;
        this.retry = retry;
        this.group = group;
    }

    /** Runs {@code handler} with {@link RetryPolicy#defaults()}, as a worker of a work queue (no group). */
    public static <T> HandlerRun<T> of(MessageHandler<T> handler) {
        return new HandlerRun<>(Objects.requireNonNull(handler, "handler"), RetryPolicy.defaults(), null);
    }

    /** This run with another retry policy, as given to {@code ConsumerOptions.withRetry}. */
    public HandlerRun<T> withRetry(RetryPolicy policy) {
        return new HandlerRun<>(handler, Objects.requireNonNull(policy, "policy"), group);
    }

    /** This run as a member of {@code group} on the message's topic ({@code null}: a work queue's worker). */
    public HandlerRun<T> inGroup(String newGroup) {
        return new HandlerRun<>(handler, retry, newGroup);
    }

    /** Runs the handler once, as attempt {@link Message#attempt()}, and returns what follows. */
    public Outcome attempt(Message<T> message) {
        Objects.requireNonNull(message, "message");
        try {
            handler.handle(message);
            return new Outcome.Acked(message.attempt());
        } catch (Throwable failure) {
            if (!(failure instanceof DecodingException) && retry.allowsRetryAfter(message.attempt())) {
                return new Outcome.Retried(message.attempt(), retry.delayBefore(message.attempt() + 1), failure);
            }
            return new Outcome.DeadLettered(message.attempt(), deadLetterQueue(message.topic(), group),
                    letterHeaders(message, failure), failure);
        }
    }

    /**
     * Runs the handler from attempt {@link Message#attempt()} on, without waiting out the retry
     * delays, until it is acknowledged or dead-lettered; returns every attempt's outcome, the
     * final one last.
     */
    public List<Outcome> settle(Message<T> message) {
        List<Outcome> outcomes = new ArrayList<>();
        Message<T> next = message;
        while (true) {
            Outcome outcome = attempt(next);
            outcomes.add(outcome);
            if (!(outcome instanceof Outcome.Retried)) {
                return outcomes;
            }
            next = next.withAttempt(next.attempt() + 1);
        }
    }

    private Map<String, String> letterHeaders(Message<T> message, Throwable failure) {
        return DeadLetterHeaders.of(message, failure, group);
    }

    /** The dead-letter queue of a subscription, as {@link dev.courier.api.Subscription#deadLetterQueue()} documents it. */
    static String deadLetterQueue(String topic, String group) {
        return group == null ? topic + ".dlq" : topic + "." + group + ".dlq";
    }
}
