package dev.courier.internal;

import dev.courier.api.Message;
import dev.courier.api.MessageHandler;
import dev.courier.api.Middleware;
import dev.courier.api.Route;
import dev.courier.api.TraceContext;
import dev.courier.api.TraceHook;
import java.time.Duration;

/**
 * Middleware around each attempt: makes the message's trace context current and reports the
 * attempt's duration and outcome to the listeners.
 */
final class ObserveStep implements Middleware {

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
    public void handle(Message<byte[]> message, MessageHandler<byte[]> next) throws Exception {
        if (listener == null) {
            withTrace(message, next);
            return;
        }
        long start = System.nanoTime();
        Throwable failure = null;
        try {
            withTrace(message, next);
        } catch (Exception | Error e) {
            failure = e;
            throw e;
        } finally {
            listener.handled(route, message, Duration.ofNanos(System.nanoTime() - start), failure);
        }
    }

    private void withTrace(Message<byte[]> message, MessageHandler<byte[]> next) throws Exception {
        try (TraceContext.Scope courier = W3cTraceHook.INSTANCE.open(message.headers());
             TraceContext.Scope library = traceHook == W3cTraceHook.INSTANCE ? NO_SCOPE : traceHook.open(message.headers())) {
            next.handle(message);
        }
    }
}
