package dev.courier.internal;

import dev.courier.api.ConsumeInterceptor;
import dev.courier.api.Message;
import dev.courier.api.MessageHandler;
import dev.courier.api.Outcome;
import java.util.ArrayList;
import java.util.List;

/**
 * The consume pipeline of one subscription: one list of {@link ConsumeInterceptor}s in the
 * documented order, outermost first: dead-letter, retry, observe (trace context and listeners),
 * user interceptors and middleware (as added), decode and handle. Immutable and thread safe.
 *
 * <p>Running it never throws: what an interceptor throws, or a {@code null} it returns, becomes
 * {@link Outcome#failed} at that step, so every step sees an outcome, never an exception.
 */
final class ConsumePipeline implements ConsumeInterceptor.Chain {

    private final List<ConsumeInterceptor> steps;
    /** {@code rest[i]} runs the steps after step {@code i}: made once, not per message. */
    private final ConsumeInterceptor.Chain[] rest;

    private ConsumePipeline(List<ConsumeInterceptor> steps) {
        this.steps = List.copyOf(steps);
        this.rest = new ConsumeInterceptor.Chain[this.steps.size()];
        for (int i = 0; i < rest.length; i++) {
            int after = i + 1;
            rest[i] = next -> proceed(after, next);
        }
    }

    static ConsumePipeline of(DeadLetterStep deadLetter, RetryStep retry, ObserveStep observe,
                              List<ConsumeInterceptor> user, MessageHandler<byte[]> decodeAndHandle) {
        List<ConsumeInterceptor> outermostFirst = new ArrayList<>();
        outermostFirst.add(deadLetter);
        outermostFirst.add(retry);
        outermostFirst.add(observe);
        outermostFirst.addAll(user);
        outermostFirst.add(new HandleStep(decodeAndHandle));
        return new ConsumePipeline(outermostFirst);
    }

    /** A pipeline of exactly {@code steps}, for tests. */
    static ConsumePipeline of(List<ConsumeInterceptor> steps) {
        return new ConsumePipeline(steps);
    }

    List<ConsumeInterceptor> steps() {
        return steps;
    }

    /** Runs every step on {@code message}. */
    @Override
    public Outcome proceed(Message<byte[]> message) {
        return proceed(0, message);
    }

    private Outcome proceed(int index, Message<byte[]> message) {
        if (index == steps.size()) {
            return Outcome.failed(new IllegalStateException("no step of the pipeline handled message " + message.id()));
        }
        ConsumeInterceptor step = steps.get(index);
        try {
            Outcome outcome = step.intercept(message, rest[index]);
            return outcome != null ? outcome
                    : Outcome.failed(new NullPointerException("consume interceptor " + step + " returned null"));
        } catch (Throwable failure) {
            return Outcome.failed(failure);
        }
    }

    /**
     * The innermost step: decodes the payload and runs the handler ({@code decodeAndHandle} is a
     * {@link DecodeStep} or a {@link TypeRouter}); the handler returning is {@link Outcome#handled()},
     * anything it throws a failed attempt.
     */
    record HandleStep(MessageHandler<byte[]> decodeAndHandle) implements ConsumeInterceptor {

        @Override
        public Outcome intercept(Message<byte[]> message, Chain next) {
            try {
                decodeAndHandle.handle(message);
                return Outcome.handled();
            } catch (Throwable failure) {
                return Outcome.failed(failure);
            }
        }
    }
}
