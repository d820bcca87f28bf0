package dev.courier.internal;

import dev.courier.api.TraceContext;
import dev.courier.api.TraceHook;
import java.util.Map;

/**
 * Courier's own trace propagation: a publish made while a trace context is current (inside a
 * handler, or within {@link TraceContext#makeCurrent}) continues it with a new span id; a
 * handler runs with the incoming context current. Without a current context nothing is added.
 */
final class W3cTraceHook implements TraceHook {

    static final W3cTraceHook INSTANCE = new W3cTraceHook();
    private static final TraceContext.Scope NO_SCOPE = () -> { };

    @Override
    public Map<String, String> inject() {
        return TraceContext.current().map(c -> c.child().toHeaders()).orElse(Map.of());
    }

    @Override
    public TraceContext.Scope open(Map<String, String> headers) {
        if (!headers.containsKey(TraceContext.TRACEPARENT)) {
            return NO_SCOPE;
        }
        return TraceContext.fromHeaders(headers).map(TraceContext::makeCurrent).orElse(NO_SCOPE);
    }
}
