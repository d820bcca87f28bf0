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
import dev.courier.spi.ReplyInbox;
import dev.courier.spi.ReplyPath;
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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Request/reply over one {@link RealMessageBus}: the requester's side (pending requests keyed by
 * correlation id, the bus's reply inbox, opened on the first request, and the timeouts) and the
 * responder's (answering through the reply address a request carries, without declaring it).
 *
 * <p>Replies travel the transport's own {@link ReplyPath} when it has one (an exclusive queue, an
 * inbox subject, a shared reply topic), else a temporary queue of the bus, the fallback every
 * transport with ephemeral destinations supports. Thread safe.
 */
final class RequestReply {

    private static final Logger log = LoggerFactory.getLogger(RequestReply.class);
    /** Handler threads of the reply queue: replies are decoded and handed over there. */
    private static final int REPLY_THREADS = 4;
    private static final int MAX_ERROR_MESSAGE = 1000;

    private final RealMessageBus bus;
    private final String scheme;
    /** The transport's native reply path, or {@code null} to use a temporary queue. */
    private final ReplyPath path;
    private final Payloads payloads;
    private final ListenerFanout listener;
    private final TraceHook traceHook;
    private final ScheduledExecutorService timers;
    private final long maxMessageBytes;
    private final Map<String, Pending<?>> pending = new ConcurrentHashMap<>();
    private final Object replyLock = new Object();
    private volatile String replyAddress;
    /** The native inbox and the threads completing its replies; set with {@link #replyAddress}, under its lock. */
    private ReplyInbox inbox;
    private ExecutorService replyThreads;
    private boolean closed;

    RequestReply(RealMessageBus bus, String scheme, ReplyPath path, Payloads payloads, ListenerFanout listener, TraceHook traceHook,
                 ScheduledExecutorService timers, long maxMessageBytes) {
        this.bus = bus;
        this.scheme = scheme;
        this.path = path;
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
        String replyTo = replyAddress();
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

    /**
     * Fails every pending request at once, then closes the native inbox: the bus is closing. (A
     * temporary reply queue closes and goes with the bus's other subscriptions and ephemerals.)
     */
    void closing() {
        for (String correlationId : List.copyOf(pending.keySet())) {
            fail(correlationId, closed());
        }
        synchronized (replyLock) {
            closed = true;
            if (inbox != null) {
                try {
                    inbox.close();
                } catch (RuntimeException e) {
                    log.warn("Could not close the reply inbox {} of {}: {}", inbox.address(), bus, DeadLetterStep.oneLine(e));
                }
                replyThreads.shutdown();
            }
        }
    }

    /** The address of this bus's replies, its inbox opened (or reply queue created) on the first call. */
    private String replyAddress() {
        String name = replyAddress;
        if (name != null) {
            return name;
        }
        synchronized (replyLock) {
            if (closed) {
                throw new IllegalStateException("the message bus (" + bus + ") is closed");
            }
            if (replyAddress == null && path != null) {
                replyAddress = openInbox();
            } else if (replyAddress == null) {
                WorkQueue<byte[]> queue = bus.temporaryQueue(byte[].class);
                Route route = new Route(scheme, queue.name(), null);
                queue.work(reply -> complete(route, reply),
                        ConsumerOptions.concurrency(REPLY_THREADS).withRetry(RetryPolicy.none()));
                replyAddress = queue.name();
            }
            return replyAddress;
        }
    }

    /**
     * Opens the transport's inbox. Its deliveries are completed on this bus's reply threads (the
     * transport's thread must not run user callbacks) and acknowledged at once: a reply is never
     * redelivered, and one that cannot be matched is dropped.
     */
    private String openInbox() {
        ThreadPoolExecutor threads = new ThreadPoolExecutor(REPLY_THREADS, REPLY_THREADS, 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), new NamedThreads("courier-reply"));
        threads.allowCoreThreadTimeOut(true);
        ReplyInbox opened;
        try {
            opened = path.open(delivery -> {
                try {
                    threads.execute(() -> {
                        try {
                            Message<byte[]> reply = received(delivery.envelope());
                            complete(new Route(scheme, reply.topic(), null), reply);
                        } finally {
                            delivery.ack();
                        }
                    });
                } catch (RejectedExecutionException closing) {
                    delivery.ack(); // the bus closed: every request failed already
                }
            });
        } catch (RuntimeException e) {
            threads.shutdown();
            throw e;
        }
        inbox = opened;
        replyThreads = threads;
        log.debug("Opened reply inbox {} for {}", opened.address(), bus);
        return opened.address();
    }

    /** A reply as a message; its topic is the inbox's address (transports name it in the envelope). */
    private static Message<byte[]> received(Envelope reply) {
        return new Message<>(reply.id(), reply.destination().name(), reply.key(), reply.headers(), reply.payload(),
                reply.contentType(), reply.timestamp(), 1, reply.type());
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
            boolean answer = replyTo != null && correlationId != null
                    && (isInbox(replyTo) || isReplyQueue(replyTo));
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

    /** True when {@code address} is an inbox of the transport's reply path. */
    private boolean isInbox(String address) {
        return path != null && path.accepts(address);
    }

    /**
     * True when {@code name} is a temporary queue name a bus generates, the only other kind a reply
     * goes to: that of a requester on the fallback path (a transport without a reply path, or a
     * Courier version before it had one, while a rolling upgrade runs).
     */
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
        // a native address is the transport's own, never renamed; a temporary queue's name follows the name rule
        boolean inbox = isInbox(replyTo);
        Destination destination = inbox ? Destination.temporaryQueue(replyTo) : bus.onBroker(Destination.temporaryQueue(replyTo));
        Payloads.Encoded encoded = payloads.encode(payload);
        if (encoded.bytes().length > maxMessageBytes) {
            throw new MessageTooLargeException(destination.withName(replyTo).toString(), encoded.bytes().length, maxMessageBytes);
        }
        Envelope envelope = new Envelope(MessageIds.next(), destination, null, headers, encoded.bytes(),
                encoded.contentType(), Instant.ofEpochMilli(System.currentTimeMillis()), null);
        try {
            (inbox ? bus.sendReply(path, replyTo, envelope) : bus.sendToDeclared(envelope)).get();
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
