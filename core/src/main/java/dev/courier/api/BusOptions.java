package dev.courier.api;

import dev.courier.spi.Secrets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
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
 * @param codec            the codec of payload types {@code codecs} does not name; default
 *                         {@link JsonCodec#defaults()}
 * @param codecs           codecs per payload type, each for that type and its subtypes (the most
 *                         specific registered type wins; among unrelated ones, the first
 *                         registered); default none. {@code byte[]} and {@code String} payloads
 *                         never go through a codec
 * @param interceptors     user publish interceptors, outermost first, run inside Courier's stamp,
 *                         trace and observe steps (see {@link PublishInterceptor}); default none
 */
public record BusOptions(Duration publishTimeout, Map<String, String> transportOptions, List<BusListener> listeners,
                         TraceHook traceHook, Codec codec, Map<Class<?>, Codec> codecs,
                         List<PublishInterceptor> interceptors) {

    private static final BusOptions DEFAULTS = new BusOptions(Duration.ofSeconds(30), Map.of(), List.of(), null);

    public BusOptions {
        Objects.requireNonNull(publishTimeout, "publishTimeout");
        if (publishTimeout.isNegative() || publishTimeout.isZero()) {
            throw new IllegalArgumentException("publishTimeout must be positive: " + publishTimeout);
        }
        transportOptions = Map.copyOf(transportOptions);
        listeners = List.copyOf(listeners);
        Objects.requireNonNull(codec, "codec");
        Map<Class<?>, Codec> ordered = new LinkedHashMap<>();
        codecs.forEach((type, typeCodec) -> ordered.put(codecType(type), Objects.requireNonNull(typeCodec, "codec")));
        codecs = Collections.unmodifiableMap(ordered);
        interceptors = List.copyOf(interceptors);
    }

    /** Options without publish interceptors (the components before them). */
    public BusOptions(Duration publishTimeout, Map<String, String> transportOptions, List<BusListener> listeners,
                      TraceHook traceHook, Codec codec, Map<Class<?>, Codec> codecs) {
        this(publishTimeout, transportOptions, listeners, traceHook, codec, codecs, List.of());
    }

    /** Options with JSON for every payload type. */
    public BusOptions(Duration publishTimeout, Map<String, String> transportOptions, List<BusListener> listeners,
                      TraceHook traceHook) {
        this(publishTimeout, transportOptions, listeners, traceHook, JsonCodec.defaults(), Map.of(), List.of());
    }

    private static Class<?> codecType(Class<?> type) {
        Objects.requireNonNull(type, "type");
        if (type == byte[].class || type == String.class || type.isPrimitive()) {
            throw new IllegalArgumentException(type.getSimpleName() + " payloads travel as they are and take no codec;"
                    + " register the codec for the class of your payloads");
        }
        return type;
    }

    /** A 30 s publish timeout, no transport options, no listeners, built-in tracing, JSON payloads. */
    public static BusOptions defaults() {
        return DEFAULTS;
    }

    /** These options with another publish timeout. */
    public BusOptions withPublishTimeout(Duration timeout) {
        return new BusOptions(timeout, transportOptions, listeners, traceHook, codec, codecs, interceptors);
    }

    /** These options with one more transport option. */
    public BusOptions withTransportOption(String name, String value) {
        Map<String, String> copy = new LinkedHashMap<>(transportOptions);
        copy.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
        return new BusOptions(publishTimeout, copy, listeners, traceHook, codec, codecs, interceptors);
    }

    /** These options with one more listener. */
    public BusOptions withListener(BusListener listener) {
        List<BusListener> copy = new ArrayList<>(listeners);
        copy.add(Objects.requireNonNull(listener, "listener"));
        return new BusOptions(publishTimeout, transportOptions, copy, traceHook, codec, codecs, interceptors);
    }

    /** These options with a tracing library's hook instead of the built-in propagation. */
    public BusOptions withTraceHook(TraceHook hook) {
        return new BusOptions(publishTimeout, transportOptions, listeners, Objects.requireNonNull(hook, "hook"), codec,
                codecs, interceptors);
    }

    /**
     * These options with {@code defaultCodec} for every payload type that has no codec of its own
     * (instead of JSON), for example {@code JsonCodec.of(applicationMapper)}.
     */
    public BusOptions withCodec(Codec defaultCodec) {
        return new BusOptions(publishTimeout, transportOptions, listeners, traceHook,
                Objects.requireNonNull(defaultCodec, "codec"), codecs, interceptors);
    }

    /**
     * These options with {@code typeCodec} for payloads of class {@code type} and its subtypes
     * (replacing one registered for the same class), for example
     * {@code withCodec(com.google.protobuf.Message.class, ProtobufCodec.instance())}.
     *
     * @throws IllegalArgumentException for {@code byte[]}, {@code String} and primitive types
     */
    public BusOptions withCodec(Class<?> type, Codec typeCodec) {
        Map<Class<?>, Codec> copy = new LinkedHashMap<>(codecs);
        copy.put(codecType(type), Objects.requireNonNull(typeCodec, "codec"));
        return new BusOptions(publishTimeout, transportOptions, listeners, traceHook, codec, copy, interceptors);
    }

    /**
     * The codec these options choose for payloads of class {@code type}: the one registered for
     * the most specific of its supertypes (the first registered among unrelated ones), else the
     * default codec. For code that encodes as the bus would, such as a transactional outbox.
     * ({@code byte[]} and {@code String} payloads use no codec: they travel as they are.)
     */
    public Codec codecFor(Class<?> type) {
        Objects.requireNonNull(type, "type");
        List<Class<?>> matches = new ArrayList<>();
        for (Class<?> registered : codecs.keySet()) {
            if (registered.isAssignableFrom(type)) {
                matches.add(registered);
            }
        }
        for (Class<?> candidate : matches) { // the first with no more specific match
            if (matches.stream().noneMatch(other -> other != candidate && candidate.isAssignableFrom(other))) {
                return codecs.get(candidate);
            }
        }
        return codec;
    }

    /** These options with one more publish interceptor, inside those added before. */
    public BusOptions withInterceptor(PublishInterceptor interceptor) {
        List<PublishInterceptor> copy = new ArrayList<>(interceptors);
        copy.add(Objects.requireNonNull(interceptor, "interceptor"));
        return new BusOptions(publishTimeout, transportOptions, listeners, traceHook, codec, codecs, copy);
    }

    /** These options for a log line: secret transport options (passwords, tokens) are masked. */
    @Override
    public String toString() {
        return "BusOptions[publishTimeout=" + publishTimeout + ", transportOptions="
                + Secrets.redact(transportOptions) + ", listeners=" + listeners + ", traceHook="
                + traceHook + ", codec=" + codec + ", codecs=" + codecs + ", interceptors=" + interceptors + "]";
    }
}
