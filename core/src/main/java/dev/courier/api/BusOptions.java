package dev.courier.api;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Settings of a {@link MessageBus}. Immutable; start from {@link #defaults()}.
 *
 * @param publishTimeout   how long a publish may wait for the broker's confirmation before its
 *                         stage fails with {@link PublishException}; default 30 s
 * @param transportOptions options for the transport, the same as URL query parameters (which
 *                         win over these); see each transport's documentation
 * @param listeners        callbacks on what the bus does (metrics, audits); default none
 * @param traceHook        the bridge to a tracing library, or {@code null} for Courier's own W3C
 *                         trace propagation (the default)
 * @param interceptors     user publish interceptors, outermost first, run inside Courier's stamp,
 *                         trace and observe steps (see {@link PublishInterceptor}); default none
 */
public record BusOptions(Duration publishTimeout, Map<String, String> transportOptions, List<BusListener> listeners,
                         TraceHook traceHook, List<PublishInterceptor> interceptors) {

    private static final BusOptions DEFAULTS = new BusOptions(Duration.ofSeconds(30), Map.of(), List.of(), null, List.of());

    public BusOptions {
        Objects.requireNonNull(publishTimeout, "publishTimeout");
        if (publishTimeout.isNegative() || publishTimeout.isZero()) {
            throw new IllegalArgumentException("publishTimeout must be positive: " + publishTimeout);
        }
        transportOptions = Map.copyOf(transportOptions);
        listeners = List.copyOf(listeners);
        interceptors = List.copyOf(interceptors);
    }

    /** Options without publish interceptors (the components before them). */
    public BusOptions(Duration publishTimeout, Map<String, String> transportOptions, List<BusListener> listeners,
                      TraceHook traceHook) {
        this(publishTimeout, transportOptions, listeners, traceHook, List.of());
    }

    /** A 30 s publish timeout, no transport options, no listeners, built-in tracing. */
    public static BusOptions defaults() {
        return DEFAULTS;
    }

    /** These options with another publish timeout. */
    public BusOptions withPublishTimeout(Duration timeout) {
        return new BusOptions(timeout, transportOptions, listeners, traceHook, interceptors);
    }

    /** These options with one more transport option. */
    public BusOptions withTransportOption(String name, String value) {
        Map<String, String> copy = new LinkedHashMap<>(transportOptions);
        copy.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
        return new BusOptions(publishTimeout, copy, listeners, traceHook, interceptors);
    }

    /** These options with one more listener. */
    public BusOptions withListener(BusListener listener) {
        List<BusListener> copy = new ArrayList<>(listeners);
        copy.add(Objects.requireNonNull(listener, "listener"));
        return new BusOptions(publishTimeout, transportOptions, copy, traceHook, interceptors);
    }

    /** These options with a tracing library's hook instead of the built-in propagation. */
    public BusOptions withTraceHook(TraceHook hook) {
        return new BusOptions(publishTimeout, transportOptions, listeners, Objects.requireNonNull(hook, "hook"), interceptors);
    }

    /** These options with one more publish interceptor, inside those added before. */
    public BusOptions withInterceptor(PublishInterceptor interceptor) {
        List<PublishInterceptor> copy = new ArrayList<>(interceptors);
        copy.add(Objects.requireNonNull(interceptor, "interceptor"));
        return new BusOptions(publishTimeout, transportOptions, listeners, traceHook, copy);
    }
}
