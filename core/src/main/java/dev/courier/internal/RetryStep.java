package dev.courier.internal;

import dev.courier.api.DecodingException;
import dev.courier.api.Message;
import dev.courier.api.MessageHandler;
import dev.courier.api.Middleware;
import dev.courier.api.RetryPolicy;
import dev.courier.api.Route;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Middleware that turns a failure into another attempt while the {@link RetryPolicy} allows one;
 * the failure of the last attempt (or a payload that cannot be decoded) goes on to the
 * dead-letter step. Any {@link Throwable} is a failure, {@link Error}s included: nothing thrown
 * by a handler, a user middleware or a codec escapes the attempt count.
 */
final class RetryStep implements Middleware {

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
    public void handle(Message<byte[]> message, MessageHandler<byte[]> next) throws Exception {
        try {
            next.handle(message);
        } catch (DecodingException | RetryLater e) {
            throw e;
        } catch (Throwable e) {
            if (!policy.allowsRetryAfter(message.attempt())) {
                throw e;
            }
            RetryLater later = new RetryLater(policy.delayBefore(message.attempt() + 1), e);
            log.info("Handler failed on attempt {}/{} for message {} on {}; retrying in {} ms: {}", message.attempt(),
                    policy.maxAttempts(), message.id(), message.topic(), later.delay().toMillis(), DeadLetterStep.oneLine(e));
            if (listener != null) {
                listener.retried(route, message, later.delay(), e);
            }
            throw later;
        }
    }
}
