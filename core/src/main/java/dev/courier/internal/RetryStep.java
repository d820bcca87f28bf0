package dev.courier.internal;

import dev.courier.api.ConsumeInterceptor;
import dev.courier.api.Message;
import dev.courier.api.Outcome;
import dev.courier.api.RetryPolicy;
import dev.courier.api.Route;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a failed attempt into {@link Outcome#retry another attempt later} while the
 * {@link RetryPolicy} allows one: attempts remain and the failure's class is not one the policy
 * dead-letters at once. Other failures, and every other outcome, pass on unchanged to the
 * dead-letter step. Any {@link Throwable} is a failure, {@link Error}s included. A retry that a
 * step inside asks for counts against the same attempts: after the last one it is a failure, so
 * no interceptor can keep a message looping.
 */
final class RetryStep implements ConsumeInterceptor {

    private static final Logger log = LoggerFactory.getLogger(RetryStep.class);

    private final RetryPolicy policy;
    private final Route route;
    private final ListenerFanout listener;

    RetryStep(RetryPolicy policy, Route route, ListenerFanout listener) {
        this.policy = policy;
        this.route = route;
        this.listener = listener;
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
        Outcome.Retry later = new Outcome.Retry(policy.delayBefore(message.attempt() + 1), e);
        log.info("Handler failed on attempt {}/{} for message {} on {}; retrying in {} ms: {}", message.attempt(),
                policy.maxAttempts(), message.id(), message.topic(), later.delay().toMillis(), DeadLetterStep.oneLine(e));
        if (listener != null) {
            listener.retried(route, message, later.delay(), e);
        }
        return later;
    }

    @Override
    public String toString() {
        return "retry";
    }
}
