package dev.courier.opentelemetry;

import dev.courier.api.TraceContext;
import dev.courier.api.TraceHook;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Carries OpenTelemetry's current context in Courier messages, with the propagators configured in
 * {@code openTelemetry} (W3C {@code traceparent} by default), and makes the incoming context
 * current while a handler runs, so spans a handler starts are children of the publisher's span.
 *
 * <pre>{@code
 * MessageBus bus = MessageBus.connect(url, BusOptions.defaults().withTraceHook(new OpenTelemetryTraceHook(openTelemetry)));
 * }</pre>
 *
 * <p>Thread safe.
 */
public final class OpenTelemetryTraceHook implements TraceHook {

    private static final TextMapGetter<Map<String, String>> HEADERS = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Map<String, String> carrier) {
            return carrier.keySet();
        }

        @Override
        public String get(Map<String, String> carrier, String key) {
            return carrier == null ? null : carrier.get(key);
        }
    };

    private final TextMapPropagator propagator;

    /** Uses the propagators of {@code openTelemetry}. */
    public OpenTelemetryTraceHook(OpenTelemetry openTelemetry) {
        this.propagator = Objects.requireNonNull(openTelemetry, "openTelemetry").getPropagators().getTextMapPropagator();
    }

    @Override
    public Map<String, String> inject() {
        Map<String, String> headers = new HashMap<>();
        propagator.inject(Context.current(), headers, Map::put);
        return headers;
    }

    @Override
    public TraceContext.Scope open(Map<String, String> headers) {
        Scope scope = propagator.extract(Context.current(), headers, HEADERS).makeCurrent();
        return scope::close;
    }
}
