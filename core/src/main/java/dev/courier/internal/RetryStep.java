package dev.courier.internal;

import dev.courier.api.ConsumeInterceptor;
import dev.courier.api.Message;
import dev.courier.api.Outcome;
import dev.courier.api.RetryPolicy;
import dev.courier.api.Route;
import java.time.Duration;
import java.time.Instant;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a failed attempt into {@link Outcome#retry another attempt later} while the
 * {@link RetryPolicy} allows one: attempts remain and the failure's class is not one the policy
 * dead-letters at once. Other failures, and every other outcome, pass on unchanged to the
 * dead-letter step. Any {@link Throwable} is a failure, {@link Error}s included. A retry that a
 * step inside asks for counts against the same attempts: after the last one it is a failure, so
 * no interceptor can keep a message looping.
 *
 * <p>With {@linkplain RetryPolicy#withRescheduling non-blocking retries}, the last in-process
 * attempt of a round that fails sends the message again, due after the round's delay, and
 * becomes {@link Outcome.Rescheduled} (the delivery is acked) once the broker confirmed it. When
 * the broker refuses, the message stays with this delivery and is retried in-process after the
 * shorter of that delay and the policy's longest backoff (at least 1 s), so nothing is lost.
 */
final class RetryStep implements ConsumeInterceptor {

    private static final Logger log = LoggerFactory.getLogger(RetryStep.class);
    private static final Duration MIN_FALLBACK = Duration.ofSeconds(1);

    /** Sends a failed message again, due at {@code due}, and waits for the broker's confirmation. */
    @FunctionalInterface
    interface Rescheduler {
        void reschedule(Message<byte[]> message, Instant due) throws Exception;
    }

    private final RetryPolicy policy;
    private final Route route;
    private final ListenerFanout listener;
    private final Rescheduler rescheduler;
    private final BooleanSupplier stopping;

    RetryStep(RetryPolicy policy, Route route, ListenerFanout listener) {
        this(policy, route, listener, null, () -> false);
    }

    /**
     * @param rescheduler sends a message again for a non-blocking retry; {@code null} when the
     *                    policy has none
     * @param stopping    true once the subscription is closing: a failure then is not rescheduled
     */
    RetryStep(RetryPolicy policy, Route route, ListenerFanout listener, Rescheduler rescheduler, BooleanSupplier stopping) {
        this.policy = policy;
        this.route = route;
        this.listener = listener;
        this.rescheduler = rescheduler;
        this.stopping = stopping;
    }

    @Override
    public Outcome intercept(Message<byte[]> message, Chain next) {
        Outcome outcome = next.proceed(message);
        if (outcome instanceof Outcome.Retry asked && !policy.allowsRetryAfter(message.attempt())) {
            return Outcome.failed(asked.cause());
        }
        if (!(outcome instanceof Outcome.Failed failed) || !policy.allowsRetryAfter(message.attempt(), failed.cause())) {
            return outcome;
        }
        Throwable e = failed.cause();
        Duration delay = policy.delayBefore(message.attempt() + 1);
        if (rescheduler != null && policy.reschedulesAfter(message.attempt()) && !stopping.getAsBoolean()) {
            Duration later = policy.rescheduleDelay(message.attempt() / policy.maxAttempts());
            Outcome rescheduled = reschedule(message, later, e);
            if (rescheduled != null) {
                return rescheduled;
            }
            Duration cap = policy.maxBackoff().compareTo(MIN_FALLBACK) < 0 ? MIN_FALLBACK : policy.maxBackoff();
            delay = later.compareTo(cap) < 0 ? later : cap;
        }
        Outcome.Retry again = new Outcome.Retry(delay, e);
        log.info("Handler failed on attempt {}/{} for message {} on {}; retrying in {} ms: {}", message.attempt(),
                policy.totalAttempts(), message.id(), message.topic(), again.delay().toMillis(), DeadLetterStep.oneLine(e));
        if (listener != null) {
            listener.retried(route, message, again.delay(), e);
        }
        return again;
    }

    /** Sends the message again due after {@code delay}: rescheduled, or {@code null} when the broker refused. */
    private Outcome reschedule(Message<byte[]> message, Duration delay, Throwable failure) {
        Instant due = Instant.now().plus(delay);
        try {
            rescheduler.reschedule(message, due);
        } catch (Exception | Error refused) {
            log.warn("Could not reschedule message {} on {} after attempt {}; retrying it in-process instead: {}",
                    message.id(), message.topic(), message.attempt(), DeadLetterStep.oneLine(refused));
            return null;
        }
        log.info("Handler failed on attempt {}/{} for message {} on {}; rescheduled in {} ms (due {}): {}",
                message.attempt(), policy.totalAttempts(), message.id(), message.topic(), delay.toMillis(), due,
                DeadLetterStep.oneLine(failure));
        if (listener != null) {
            listener.retried(route, message, delay, failure);
        }
        return Outcome.rescheduled(due, failure);
    }

    @Override
    public String toString() {
        return "retry";
    }
}
