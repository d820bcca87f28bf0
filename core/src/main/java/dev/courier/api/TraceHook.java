package dev.courier.api;

import java.util.Map;

/**
 * Connects Courier's trace propagation to a tracing library (OpenTelemetry, Micrometer Tracing).
 * Register with {@link BusOptions#withTraceHook(TraceHook)}. Without one, Courier propagates W3C
 * trace context by itself (see {@link TraceContext}).
 *
 * <p>Example with OpenTelemetry: {@code inject} writes {@code Context.current()} with the global
 * propagator into a map; {@code open} extracts the context from the headers and returns
 * {@code context.makeCurrent()}.
 */
public interface TraceHook {

    /** Headers (for example {@code traceparent}) for the caller's current trace; empty when there is none. */
    Map<String, String> inject();

    /** Makes the trace in {@code headers} current while a handler runs; the scope is closed afterwards. */
    TraceContext.Scope open(Map<String, String> headers);
}
