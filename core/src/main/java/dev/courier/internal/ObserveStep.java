package dev.courier.internal;

import dev.courier.api.ConsumeInterceptor;
import dev.courier.api.Message;
import dev.courier.api.Outcome;
import dev.courier.api.Route;
import dev.courier.api.TraceContext;
import dev.courier.api.TraceHook;
import java.time.Duration;

/**
 * Around each attempt: makes the message's trace context current and reports the attempt's
 * duration and outcome to the listeners (the outcome's cause as the failure, {@code null} when
 * handled).
 */
final class ObserveStep implements ConsumeInterceptor {

    private static final TraceContext.Scope NO_SCOPE = () -> { };

    private final Route route;
    private final ListenerFanout listener;
    private final TraceHook traceHook;

    ObserveStep(Route route, ListenerFanout listener, TraceHook traceHook) {
        this.route = route;
        this.listener = listener;
        this.traceHook = traceHook;
    }

    @Override
    public Outcome intercept(Message<byte[]> message, Chain next) {
        if (listener == null) {
            return withTrace(message, next);
        }
        long start = System.nanoTime();
        Outcome outcome;
        try {
            outcome = withTrace(message, next);
        } catch (Throwable failure) { // a trace hook's failure is the attempt's
            outcome = Outcome.failed(failure);
        }
        listener.handled(route, message, Duration.ofNanos(System.nanoTime() - start), outcome.cause());
        return outcome;
    }

    private Outcome withTrace(Message<byte[]> message, Chain next) {
        try (TraceContext.Scope courier = W3cTraceHook.INSTANCE.open(message.headers());
             TraceContext.Scope library = traceHook == W3cTraceHook.INSTANCE ? NO_SCOPE : traceHook.open(message.headers())) {
            return next.proceed(message);
        }
    }

    @Override
    public String toString() {
        return "observe";
    }
}
