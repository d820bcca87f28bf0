package dev.courier.api;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * A W3C Trace Context ({@code traceparent} and {@code tracestate} headers), carried from
 * publisher to handler so that one trace spans the services a message passes through.
 *
 * <p>Without any tracing library, Courier propagates it by itself: a message published while a
 * context is current (inside a handler, or within {@link #makeCurrent}) carries a child of it
 * (same trace id, new span id), unless the message already has a {@code traceparent} header. A
 * {@link TraceHook} connects a tracing library instead. A handler reads the incoming context with
 * {@link #current()} or {@link #of(Message)}.
 *
 * <pre>{@code
 * try (TraceContext.Scope scope = TraceContext.makeCurrent(TraceContext.newTrace())) {
 *     bus.publish("orders", order);   // carries traceparent; handlers downstream continue the trace
 * }
 * }</pre>
 *
 * @param traceId    32 lower-case hex digits, not all zero
 * @param spanId     16 lower-case hex digits (the parent span of the receiver), not all zero
 * @param sampled    the W3C sampled flag
 * @param traceState the {@code tracestate} header, or empty
 */
public record TraceContext(String traceId, String spanId, boolean sampled, String traceState) {

    /** Header name of the W3C trace parent. */
    public static final String TRACEPARENT = "traceparent";
    /** Header name of the W3C trace state. */
    public static final String TRACESTATE = "tracestate";

    private static final Pattern TRACEPARENT_FORMAT =
            Pattern.compile("([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?");
    private static final ThreadLocal<TraceContext> CURRENT = new ThreadLocal<>();

    public TraceContext {
        Objects.requireNonNull(traceId, "traceId");
        Objects.requireNonNull(spanId, "spanId");
        traceState = traceState == null ? "" : traceState;
    }

    /** A new trace with random ids, sampled. */
    public static TraceContext newTrace() {
        return new TraceContext(randomHex(32), randomHex(16), true, "");
    }

    /** A child of this context: the same trace, a new span id. */
    public TraceContext child() {
        return new TraceContext(traceId, randomHex(16), sampled, traceState);
    }

    /** The context in the headers, if they carry a valid {@code traceparent}. */
    public static Optional<TraceContext> fromHeaders(Map<String, String> headers) {
        String parent = headers.get(TRACEPARENT);
        if (parent == null) {
            return Optional.empty();
        }
        var matcher = TRACEPARENT_FORMAT.matcher(parent.trim());
        if (!matcher.matches() || matcher.group(1).equals("ff") || matcher.group(2).matches("0+")
                || matcher.group(3).matches("0+")) {
            return Optional.empty();
        }
        boolean sampled = (Integer.parseInt(matcher.group(4), 16) & 1) == 1;
        return Optional.of(new TraceContext(matcher.group(2), matcher.group(3), sampled, headers.getOrDefault(TRACESTATE, "")));
    }

    /** The context a message carries, if any. */
    public static Optional<TraceContext> of(Message<?> message) {
        return fromHeaders(message.headers());
    }

    /** The context of the message being handled on this thread, if any. */
    public static Optional<TraceContext> current() {
        return Optional.ofNullable(CURRENT.get());
    }

    /**
     * Makes {@code context} current on this thread until the returned scope is closed. Courier
     * does this around every handler; use it to continue a trace elsewhere.
     */
    public static Scope makeCurrent(TraceContext context) {
        TraceContext previous = CURRENT.get();
        CURRENT.set(context);
        return () -> {
            if (previous == null) {
                CURRENT.remove();
            } else {
                CURRENT.set(previous);
            }
        };
    }

    /** The {@code traceparent} header value. */
    public String traceparent() {
        return "00-" + traceId + "-" + spanId + "-" + (sampled ? "01" : "00");
    }

    /** The headers that carry this context. */
    public Map<String, String> toHeaders() {
        return traceState.isEmpty() ? Map.of(TRACEPARENT, traceparent())
                : Map.of(TRACEPARENT, traceparent(), TRACESTATE, traceState);
    }

    private static String randomHex(int digits) {
        StringBuilder out = new StringBuilder(digits);
        ThreadLocalRandom random = ThreadLocalRandom.current();
        while (out.length() < digits) {
            String chunk = Long.toHexString(random.nextLong() | 1L);
            out.append("0".repeat(16 - chunk.length())).append(chunk);
        }
        return out.substring(0, digits);
    }

    /** Restores the previous context when closed. */
    @FunctionalInterface
    public interface Scope extends AutoCloseable {
        @Override
        void close();
    }
}
