package dev.courier.internal;

import dev.courier.api.OutgoingMessage;
import dev.courier.api.PublishException;
import dev.courier.api.PublishInterceptor;
import dev.courier.api.PublishReceipt;
import dev.courier.api.Route;
import dev.courier.api.TraceContext;
import dev.courier.api.TraceHook;
import dev.courier.spi.Destination;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The publish pipeline of a bus: one list of {@link PublishInterceptor}s in the documented order,
 * outermost first: stamp (headers and type checked, id chosen), trace (trace headers added),
 * observe (listeners), user interceptors (as added), then {@link Send} (encode, size check,
 * declare, send). Immutable and thread safe.
 *
 * <p>Courier's own steps throw what they refuse (an invalid header, say) to the publisher, as
 * {@code publish} documents; what a user interceptor throws, or a {@code null} it returns, fails
 * the publish's stage with {@link PublishException}.
 */
final class PublishPipeline {

    /**
     * The innermost step: encodes, checks the size, declares the destination if needed and sends,
     * or, when {@code batch} is not {@code null}, adds the envelope to it (see {@link PublishBatch}).
     */
    @FunctionalInterface
    interface Send {
        CompletionStage<PublishReceipt> send(Destination destination, OutgoingMessage message, PublishBatch batch);
    }

    /** Destinations whose chain of links is kept, at most: a bus publishes to few, a chain is small. */
    private static final int KEPT_CHAINS = 1_024;

    private final List<PublishInterceptor> steps;
    private final int courierSteps;
    private final Send send;
    /** The first link of each destination's chain without reserved headers; links hold no message, so publishes share them. */
    private final Map<Destination, Link> chains = new ConcurrentHashMap<>();

    private PublishPipeline(List<PublishInterceptor> courier, List<PublishInterceptor> user, Send send) {
        List<PublishInterceptor> all = new ArrayList<>(courier);
        all.addAll(user);
        this.steps = List.copyOf(all);
        this.courierSteps = courier.size();
        this.send = send;
    }

    /**
     * @param listener  the listeners, or {@code null} for none (then there is no observe step)
     */
    static PublishPipeline of(String scheme, ListenerFanout listener, TraceHook traceHook, List<PublishInterceptor> user,
                              Send send) {
        List<PublishInterceptor> courier = new ArrayList<>();
        courier.add(new Stamp());
        courier.add(new Trace(traceHook));
        if (listener != null) {
            courier.add(new Observe(scheme, listener));
        }
        return new PublishPipeline(courier, user, send);
    }

    List<PublishInterceptor> steps() {
        return steps;
    }

    /** Runs every step on {@code message}, bound for {@code destination}. */
    CompletionStage<PublishReceipt> publish(Destination destination, OutgoingMessage message) {
        Link first = chains.get(destination);
        if (first == null) {
            first = new Link(destination, 0, Map.of(), null);
            if (chains.size() < KEPT_CHAINS) {
                chains.putIfAbsent(destination, first);
            }
        }
        return first.proceed(message);
    }

    /**
     * Runs every step on each message, bound for the destination at the same index, collecting the
     * envelopes into {@code batch} instead of sending them (when the steps passed them on before the
     * batch closed); adds each message's stage to {@code stages} as it goes, so that the caller
     * knows how far it got when a step throws. Consecutive messages to one destination share one
     * chain of links.
     */
    void publish(List<Destination> destinations, List<OutgoingMessage> messages, PublishBatch batch,
                 List<CompletionStage<PublishReceipt>> stages) {
        Link first = null;
        for (int i = 0; i < messages.size(); i++) {
            Destination destination = destinations.get(i);
            if (first == null || !first.destination.equals(destination)) {
                first = new Link(destination, 0, Map.of(), batch);
            }
            stages.add(first.proceed(messages.get(i)));
        }
    }

    /**
     * Runs every step on {@code message}, adding Courier's {@code reserved} headers (a request's
     * reply address, say) right after the stamp step checked the message's own headers.
     */
    CompletionStage<PublishReceipt> publish(Destination destination, OutgoingMessage message, Map<String, String> reserved) {
        return new Link(destination, 0, Map.copyOf(reserved), null).proceed(message);
    }

    /** The steps from {@code index} on. */
    private final class Link implements PublishInterceptor.Chain {
        private final Destination destination;
        private final int index;
        private final Map<String, String> reserved;
        private final PublishBatch batch;
        /** The steps after this one; {@code null} for the last link, which sends. */
        private final Link next;

        Link(Destination destination, int index, Map<String, String> reserved, PublishBatch batch) {
            this.destination = destination;
            this.index = index;
            this.reserved = reserved;
            this.batch = batch;
            this.next = index < steps.size() ? new Link(destination, index + 1, reserved, batch) : null;
        }

        @Override
        public CompletionStage<PublishReceipt> proceed(OutgoingMessage message) {
            if (message == null) {
                throw new NullPointerException("a publish interceptor passed on null");
            }
            if (index == 1 && !reserved.isEmpty()) { // after the stamp step (always first) checked the user's headers
                Map<String, String> all = new HashMap<>(message.headers());
                all.putAll(reserved);
                message = message.withHeaders(all);
            }
            if (index == steps.size()) {
                return send.send(destination, message, batch);
            }
            PublishInterceptor step = steps.get(index);
            if (index < courierSteps) {
                return step.intercept(message, next);
            }
            CompletionStage<PublishReceipt> stage;
            try {
                stage = step.intercept(message, next);
            } catch (RuntimeException | Error e) {
                return CompletableFuture.failedFuture(new PublishException("publish interceptor " + step
                        + " failed on message " + message.id() + ": " + e, e));
            }
            return stage != null ? stage : CompletableFuture.failedFuture(
                    new PublishException("publish interceptor " + step + " returned null for message " + message.id(), null));
        }
    }

    /** Checks the headers and event type and chooses the id; passes on the message with its final id and type. */
    static final class Stamp implements PublishInterceptor {

        @Override
        public CompletionStage<PublishReceipt> intercept(OutgoingMessage message, Chain next) {
            if (!message.headers().isEmpty()) {
                Names.headers(message.headers());
            }
            String type = message.type() != null ? Names.type(message.type()) : EventTypeNames.of(message.payload().getClass());
            if (message.id() != null && (type == null || type.equals(message.type()))) {
                return next.proceed(message);
            }
            // one copy with the id and the type, not one for each
            return next.proceed(new OutgoingMessage(message.topic(), message.payload(), message.key(), message.headers(),
                    message.id() != null ? message.id() : MessageIds.next(), type != null ? type : message.type(),
                    message.contentType(), message.timestamp(), message.deliverAt()));
        }

        @Override
        public String toString() {
            return "stamp";
        }
    }

    /** Adds the current trace context's headers, unless the message carries a trace context already. */
    static final class Trace implements PublishInterceptor {
        private final TraceHook traceHook;

        Trace(TraceHook traceHook) {
            this.traceHook = traceHook;
        }

        @Override
        public CompletionStage<PublishReceipt> intercept(OutgoingMessage message, Chain next) {
            Map<String, String> headers = message.headers();
            if (headers.containsKey(TraceContext.TRACEPARENT)) {
                return next.proceed(message);
            }
            Map<String, String> trace = traceHook.inject();
            if (trace.isEmpty()) {
                return next.proceed(message);
            }
            Map<String, String> all = new HashMap<>(headers);
            trace.forEach(all::putIfAbsent);
            return next.proceed(message.withHeaders(all));
        }

        @Override
        public String toString() {
            return "trace";
        }
    }

    /** Tells the listeners whether the publish was confirmed, and how long it took. */
    static final class Observe implements PublishInterceptor {
        private final String scheme;
        private final ListenerFanout listener;

        Observe(String scheme, ListenerFanout listener) {
            this.scheme = scheme;
            this.listener = listener;
        }

        @Override
        public CompletionStage<PublishReceipt> intercept(OutgoingMessage message, Chain next) {
            long start = System.nanoTime();
            Route route = new Route(scheme, message.topic(), null);
            return next.proceed(message).whenComplete((receipt, failure) -> {
                if (failure != null) {
                    listener.publishFailed(route, message.id(), failure instanceof CompletionException ? failure.getCause() : failure);
                } else {
                    listener.published(route, message.id(), Duration.ofNanos(System.nanoTime() - start));
                }
            });
        }

        @Override
        public String toString() {
            return "observe";
        }
    }
}
