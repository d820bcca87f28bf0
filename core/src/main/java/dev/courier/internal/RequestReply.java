package dev.courier.internal;

import dev.courier.api.ConsumerOptions;
import dev.courier.api.DeadLetterHeaders;
import dev.courier.api.Message;
import dev.courier.api.MessageTooLargeException;
import dev.courier.api.OutgoingMessage;
import dev.courier.api.RemoteHandlerException;
import dev.courier.api.RequestTimeoutException;
import dev.courier.api.Responder;
import dev.courier.api.RetryPolicy;
import dev.courier.api.Route;
import dev.courier.api.Subscription;
import dev.courier.api.TraceHook;
import dev.courier.api.WorkQueue;
import dev.courier.spi.Destination;
import dev.courier.spi.Envelope;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Request/reply over one {@link RealMessageBus}: the requester's side (pending requests keyed by
 * correlation id, the bus's reply queue, created on the first request, and the timeouts) and the
 * responder's (answering through the reply address a request carries, without declaring it).
 * Thread safe.
 */
final class RequestReply {

    private static final Logger log = LoggerFactory.getLogger(RequestReply.class);
    /** Handler threads of the reply queue: replies are decoded and handed over there. */
    private static final int REPLY_THREADS = 4;
    private static final int MAX_ERROR_MESSAGE = 1000;

    private final RealMessageBus bus;
    private final String scheme;
    private final Payloads payloads;
    private final ListenerFanout listener;
    private final TraceHook traceHook;
    private final ScheduledExecutorService timers;
    private final long maxMessageBytes;
    private final Map<String, Pending<?>> pending = new ConcurrentHashMap<>();
    private final Object replyQueueLock = new Object();
    private volatile String replyQueue;

    RequestReply(RealMessageBus bus, String scheme, Payloads payloads, ListenerFanout listener, TraceHook traceHook,
                 ScheduledExecutorService timers, long maxMessageBytes) {
        this.bus = bus;
        this.scheme = scheme;
        this.payloads = payloads;
        this.listener = listener;
        this.traceHook = traceHook;
        this.timers = timers;
        this.maxMessageBytes = maxMessageBytes;
    }

    /** A request waiting for its reply. */
    private record Pending<R>(String correlationId, String topic, Class<R> type, CompletableFuture<Message<R>> reply) {
    }

    <R> CompletionStage<Message<R>> request(OutgoingMessage request, Class<R> replyType, Duration timeout) {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(replyType, "replyType");
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("a request timeout must be positive: " + timeout);
        }
        String replyTo = replyQueue();
        String correlationId = UUID.randomUUID().toString();
        Pending<R> waiting = new Pending<>(correlationId, request.topic(), replyType, new CompletableFuture<>());
        pending.put(correlationId, waiting);
        CompletionStage<?> sent;
        try {
            sent = bus.publishWithReserved(request, Map.of(Names.REPLY_TO, replyTo, Names.CORRELATION_ID, correlationId));
        } catch (RuntimeException e) {
            pending.remove(correlationId);
            throw e;
        }
        ScheduledFuture<?> timer;
        try {
            timer = timers.schedule(() -> fail(correlationId,
                    new RequestTimeoutException(request.topic(), timeout, correlationId)), timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) { // the bus closed meanwhile
            fail(correlationId, closed());
            return waiting.reply();
        }
        waiting.reply().whenComplete((reply, failure) -> timer.cancel(false));
        sent.whenComplete((receipt, failure) -> {
            if (failure != null) {
                fail(correlationId, failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure);
            }
        });
        return waiting.reply();
    }

    private void fail(String correlationId, Throwable failure) {
        Pending<?> waiting = pending.remove(correlationId);
        if (waiting != null) {
            waiting.reply().completeExceptionally(failure);
        }
    }

    private IllegalStateException closed() {
        return new IllegalStateException("the message bus (" + bus + ") closed before the reply arrived");
    }

    /** Fails every pending request at once: the bus is closing. */
    void closing() {
        for (String correlationId : List.copyOf(pending.keySet())) {
            fail(correlationId, closed());
        }
    }

    /** The name of this bus's reply queue, created and worked on the first call. */
    private String replyQueue() {
        String name = replyQueue;
        if (name != null) {
            return name;
        }
        synchronized (replyQueueLock) {
            if (replyQueue == null) {
                WorkQueue<byte[]> queue = bus.temporaryQueue(byte[].class);
                Route route = new Route(scheme, queue.name(), null);
                queue.work(reply -> complete(route, reply),
                        ConsumerOptions.concurrency(REPLY_THREADS).withRetry(RetryPolicy.none()));
                replyQueue = queue.name();
            }
            return replyQueue;
        }
    }

    /** Hands {@code reply} to the request waiting for it, or drops it when none is. */
    private void complete(Route route, Message<byte[]> reply) {
        String correlationId = reply.headers().get(Names.CORRELATION_ID);
        Pending<?> waiting = correlationId == null ? null : pending.remove(correlationId);
        if (waiting == null) {
            log.debug("Dropped a reply for request {}: no request waits for it (timed out, or not this bus's)", correlationId);
            if (listener != null) {
                listener.replyDropped(route, correlationId);
            }
            return;
        }
        deliver(waiting, reply);
    }

    private <R> void deliver(Pending<R> waiting, Message<byte[]> reply) {
        String errorClass = reply.headers().get(DeadLetterHeaders.ERROR_CLASS);
        if (errorClass != null) {
            waiting.reply().completeExceptionally(new RemoteHandlerException(waiting.topic(), errorClass,
                    reply.headers().getOrDefault(DeadLetterHeaders.ERROR_MESSAGE, "")));
            return;
        }
        try {
            waiting.reply().complete(reply.withPayload(payloads.decode(reply.payload(), reply.contentType(), waiting.type(), reply.id())));
        } catch (RuntimeException e) {
            waiting.reply().completeExceptionally(e);
        }
    }

    <Q, R> Subscription respond(String topic, String group, Class<Q> requestType, Responder<Q, R> responder,
                                ConsumerOptions options) {
        Objects.requireNonNull(responder, "responder");
        Objects.requireNonNull(options, "options");
        RetryPolicy policy = options.retry();
        return bus.subscribe(topic, group, requestType, request -> {
            String replyTo = request.headers().get(Names.REPLY_TO);
            String correlationId = request.headers().get(Names.CORRELATION_ID);
            boolean answer = replyTo != null && correlationId != null && isReplyQueue(replyTo);
            Object reply;
            try {
                reply = responder.respond(request);
                if (reply == null) {
                    throw new NullPointerException("the responder on " + topic + " [" + group + "] returned null for request "
                            + request.id());
                }
            } catch (Exception e) {
                if (!answer || policy.allowsRetryAfter(request.attempt(), e)) {
                    throw e;
                }
                Map<String, String> error = new LinkedHashMap<>();
                error.put(DeadLetterHeaders.ERROR_CLASS, e.getClass().getName());
                error.put(DeadLetterHeaders.ERROR_MESSAGE, headerText(e.getMessage()));
                log.warn("Request {} on {} [{}] failed on attempt {}; answering with the error instead of dead-lettering: {}",
                        request.id(), topic, group, request.attempt(), DeadLetterStep.oneLine(e));
                sendReply(replyTo, correlationId, new byte[0], error);
                return;
            }
            if (answer) {
                sendReply(replyTo, correlationId, reply, Map.of());
            }
        }, options);
    }

    /** True when {@code name} is a temporary queue name a bus generates, the only kind a reply goes to. */
    private static boolean isReplyQueue(String name) {
        try {
            Names.queue(name);
        } catch (IllegalArgumentException e) {
            return false;
        }
        return name.startsWith("tmp.");
    }

    private void sendReply(String replyTo, String correlationId, Object payload, Map<String, String> extra) throws Exception {
        Map<String, String> headers = new LinkedHashMap<>(traceHook.inject());
        headers.putAll(extra);
        headers.put(Names.CORRELATION_ID, correlationId);
        Destination destination = bus.onBroker(Destination.temporaryQueue(replyTo));
        Payloads.Encoded encoded = payloads.encode(payload);
        if (encoded.bytes().length > maxMessageBytes) {
            throw new MessageTooLargeException(destination.withName(replyTo).toString(), encoded.bytes().length, maxMessageBytes);
        }
        Envelope envelope = new Envelope(MessageIds.next(), destination, null, headers, encoded.bytes(),
                encoded.contentType(), Instant.ofEpochMilli(System.currentTimeMillis()), null);
        try {
            bus.sendToDeclared(envelope).get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }

    /** An error message as one header value: one line, no control characters, at most 1000 characters. */
    private static String headerText(String text) {
        if (text == null) {
            return "";
        }
        String line = text.replaceAll("\\s*[\\r\\n]+\\s*", " | ").replaceAll("\\p{Cntrl}", " ");
        return line.length() <= MAX_ERROR_MESSAGE ? line : line.substring(0, MAX_ERROR_MESSAGE - 1) + "…";
    }
}
