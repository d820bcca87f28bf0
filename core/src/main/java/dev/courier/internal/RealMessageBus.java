package dev.courier.internal;

import dev.courier.api.BatchHandler;
import dev.courier.api.BatchOptions;
import dev.courier.api.BusOptions;
import dev.courier.api.Health;
import dev.courier.api.HealthStatus;
import dev.courier.api.Route;
import dev.courier.api.TraceHook;
import dev.courier.api.TypeRoutes;
import dev.courier.api.ConsumerOptions;
import dev.courier.api.DeadLetterHeaders;
import dev.courier.api.RetryPolicy;
import dev.courier.api.MessageBus;
import dev.courier.api.Message;
import dev.courier.api.MessageHandler;
import dev.courier.api.Responder;
import dev.courier.api.MessageTooLargeException;
import dev.courier.api.OutgoingMessage;
import dev.courier.api.PublishException;
import dev.courier.api.PublishReceipt;
import dev.courier.api.Subscription;
import dev.courier.api.WorkQueue;
import dev.courier.spi.AckDeadline;
import dev.courier.spi.Capabilities;
import dev.courier.spi.ConnectionState;
import dev.courier.spi.Delivery;
import dev.courier.spi.DeliverySink;
import dev.courier.spi.NameRule;
import dev.courier.spi.ReplyPath;
import dev.courier.spi.ConsumerSpec;
import dev.courier.spi.Consumer;
import dev.courier.spi.Destination;
import dev.courier.spi.Envelope;
import dev.courier.spi.Secrets;
import dev.courier.spi.Transport;
import dev.courier.spi.Transports;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.UUID;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The {@link MessageBus} over one {@link Transport}. */
public final class RealMessageBus implements MessageBus {

    private static final Logger log = LoggerFactory.getLogger(RealMessageBus.class);
    private static final int DECLARING_THREADS = 4;
    private static final int CLOSING_THREADS = 32;

    private final String url;
    private final String scheme;
    private final BusOptions options;
    private final ListenerFanout listener;
    private final TraceHook traceHook;
    private final Transport transport;
    private final Capabilities capabilities;
    private final long maxMessageBytes;
    /** The broker's name rule, or {@code null} when every Courier name fits it. */
    private final NameRule nameRule;
    /** This bus's part of temporary queue names: 16 random hex digits. */
    private final String busId = UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    private final AtomicInteger temporaryQueues = new AtomicInteger();
    /** The ephemeral destinations this bus declared (broker names), removed on close. */
    private final Set<Destination> ephemerals = ConcurrentHashMap.newKeySet();
    private final Payloads payloads;
    private final ScheduledExecutorService timers;
    private final PublishPipeline publishPipeline;
    /** Each destination's declaration: done, in flight (shared by the publishes waiting for it), or failed. */
    private final Map<Destination, CompletableFuture<Void>> declarations = new ConcurrentHashMap<>();
    /** Declares for publishes, so that no publish blocks on broker I/O. */
    private final ThreadPoolExecutor declarer;
    /** Topic names published to, validated. */
    private final Map<String, Destination> topics = new ConcurrentHashMap<>();
    private final Set<RealSubscription> subscriptions = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Object pendingLock = new Object();
    private final AtomicInteger pending = new AtomicInteger();
    private final PublishTimeouts publishTimeouts;
    /** {@link #transportSend}, made once: a method reference written at the call allocates on every publish. */
    private final Function<Envelope, CompletableFuture<Void>> transportSend = this::transportSend;
    private final RequestReply requestReply;
    /** The last {@link #now()}, an immutable value shared across threads. */
    private volatile Instant lastNow = Instant.EPOCH;

    private RealMessageBus(String url, BusOptions options, Transport transport) {
        this.url = url;
        this.scheme = url.substring(0, url.indexOf(':'));
        this.options = options;
        this.listener = ListenerFanout.of(options.listeners());
        this.traceHook = options.traceHook() != null ? options.traceHook() : W3cTraceHook.INSTANCE;
        this.payloads = new Payloads(options.codec(), options.codecs());
        this.transport = transport;
        this.capabilities = transport.capabilities();
        this.maxMessageBytes = capabilities.maxMessageBytes();
        this.nameRule = capabilities.names().equals(NameRule.COURIER) ? null : capabilities.names();
        ScheduledThreadPoolExecutor timerThread = new ScheduledThreadPoolExecutor(1, new NamedThreads("courier-timer"));
        // a cancelled timer (a publishAll group's timeout once confirmed, a request's once answered) leaves the queue
        // at once, instead of holding what it refers to, a group's envelopes say, until it would have been due
        timerThread.setRemoveOnCancelPolicy(true);
        this.timers = timerThread;
        this.declarer = new ThreadPoolExecutor(DECLARING_THREADS, DECLARING_THREADS, 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), new NamedThreads("courier-declare"));
        this.declarer.allowCoreThreadTimeOut(true);
        this.publishTimeouts = new PublishTimeouts(options.publishTimeout());
        this.publishPipeline = PublishPipeline.of(scheme, listener, traceHook, options.interceptors(), this::encodeAndSend);
        this.requestReply = new RequestReply(this, scheme, transport.replyPath().orElse(null), payloads, listener, traceHook,
                timers, maxMessageBytes);
    }

    /** Opens the transport for {@code url}; see {@link MessageBus#connect(String, BusOptions)}. */
    public static MessageBus connect(String url, BusOptions options) {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(options, "options");
        Transport transport = Transports.open(url, options.transportOptions());
        RealMessageBus bus = new RealMessageBus(Secrets.redact(url), options, transport);
        log.info("Connected to {}", bus.url);
        return bus;
    }

    @Override
    public CompletionStage<PublishReceipt> publish(String topic, Object payload) {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(payload, "payload");
        // the message as the stamp step would make it (id chosen, type of its class), so that it need not copy it
        return publish(new OutgoingMessage(topic, payload, null, Map.of(), MessageIds.next(),
                EventTypeNames.of(payload.getClass()), null, null, null));
    }

    @Override
    public CompletionStage<PublishReceipt> publish(OutgoingMessage message) {
        Objects.requireNonNull(message, "message");
        return send(topic(message.topic()), message);
    }

    /**
     * Runs each message through the publish pipeline as {@link #publish(OutgoingMessage)} does
     * (which checks headers, type and due time), but sends none until every one passed it; then hands the envelopes to {@link Transport#sendAll} once per
     * destination, in the order given, so messages with the same key keep their order. When a
     * message is refused while the batch is collected, the ones collected before fail with
     * {@link PublishException} (their listeners hear so) and the refusal is thrown.
     */
    @Override
    public List<CompletionStage<PublishReceipt>> publishAll(List<OutgoingMessage> messages) {
        Objects.requireNonNull(messages, "messages");
        ensureOpen();
        List<Destination> destinations = new ArrayList<>(messages.size());
        for (OutgoingMessage message : messages) {
            Objects.requireNonNull(message, "messages holds null");
            destinations.add(topic(message.topic()));
        }
        PublishBatch batch = new PublishBatch(messages.size());
        List<CompletionStage<PublishReceipt>> stages = new ArrayList<>(messages.size());
        try {
            publishPipeline.publish(destinations, messages, batch, stages);
        } catch (RuntimeException | Error e) {
            for (PublishBatch.Entry entry : batch.close()) {
                entry.result().completeExceptionally(new PublishException("message " + entry.envelope().id()
                        + " was not sent: another message of the same publishAll was refused (" + e.getMessage() + ")", e));
            }
            throw e;
        }
        Map<Destination, List<PublishBatch.Entry>> groups = new LinkedHashMap<>();
        for (PublishBatch.Entry entry : batch.close()) {
            groups.computeIfAbsent(entry.envelope().destination(), d -> new ArrayList<>()).add(entry);
        }
        groups.forEach(this::sendGroup);
        return stages;
    }

    /**
     * Sends the envelopes of {@code group}, all to {@code destination}, in one
     * {@link Transport#sendAll}: as {@link #sendEnvelope} does for one, but with one publish
     * timeout for the group instead of one timer per message.
     */
    private void sendGroup(Destination destination, List<PublishBatch.Entry> group) {
        CompletableFuture<Void> declaration = declaration(destination);
        List<Envelope> envelopes = new ArrayList<>(group.size());
        for (PublishBatch.Entry entry : group) {
            envelopes.add(entry.envelope());
        }
        GroupSettlement settlement = new GroupSettlement(group, declaration);
        pending.addAndGet(group.size());
        if (declaration.isDone() && !declaration.isCompletedExceptionally()) {
            settlement.await(transportSendAll(envelopes));
            settlement.startTimeout(); // unless every stage completed at once (memory://)
        } else {
            settlement.startTimeout();
            declaration.whenComplete((done, failure) -> {
                if (failure != null) {
                    settlement.failAll(declareFailed(destination, failure));
                } else {
                    settlement.await(transportSendAll(envelopes));
                }
            });
        }
    }

    /** Completes the stages of one group of a batch, each exactly once, and counts them out of {@link #pending}. */
    private final class GroupSettlement {
        private final List<PublishBatch.Entry> group;
        private final CompletableFuture<Void> declaration;
        private final AtomicInteger unsettled;
        volatile java.util.concurrent.ScheduledFuture<?> timeout;

        GroupSettlement(List<PublishBatch.Entry> group, CompletableFuture<Void> declaration) {
            this.group = group;
            this.declaration = declaration;
            this.unsettled = new AtomicInteger(group.size());
        }

        /** Fails what is still unsettled when the publish timeout passes. */
        void startTimeout() {
            if (unsettled.get() == 0) {
                return;
            }
            try {
                timeout = timers.schedule(this::expire, options.publishTimeout().toNanos(), TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException e) {
                failAll(new IllegalStateException("this message bus (" + url + ") closed while publishing"));
                return;
            }
            if (unsettled.get() == 0) {
                timeout.cancel(false); // settled meanwhile
            }
        }

        void await(List<CompletableFuture<Void>> sent) {
            for (int i = 0; i < group.size(); i++) {
                PublishBatch.Entry entry = group.get(i);
                CompletableFuture<Void> one = sent.get(i);
                if (one.isDone() && !one.isCompletedExceptionally()) {
                    settle(entry, null); // confirmed at once (memory://): no callback stage to make
                } else {
                    one.whenComplete((done, failure) -> settle(entry, failure));
                }
            }
        }

        void failAll(Throwable failure) {
            group.forEach(entry -> settle(entry, failure));
        }

        void expire() {
            failAll(new TimeoutException());
        }

        private void settle(PublishBatch.Entry entry, Throwable failure) {
            boolean settled = failure == null ? entry.result().complete(entry.receipt())
                    : entry.result().completeExceptionally(asPublishException(entry.envelope(), failure, declaration.isDone()));
            if (!settled) {
                return; // timed out before, or the reverse
            }
            if (pending.decrementAndGet() == 0) {
                synchronized (pendingLock) {
                    pendingLock.notifyAll();
                }
            }
            if (unsettled.decrementAndGet() == 0 && timeout != null) {
                timeout.cancel(false);
            }
        }
    }

    private List<CompletableFuture<Void>> transportSendAll(List<Envelope> envelopes) {
        List<CompletionStage<Void>> stages;
        try {
            stages = transport.sendAll(envelopes);
        } catch (RuntimeException e) {
            List<CompletableFuture<Void>> failed = new ArrayList<>(envelopes.size());
            envelopes.forEach(envelope -> failed.add(CompletableFuture.failedFuture(e)));
            return failed;
        }
        List<CompletableFuture<Void>> futures = new ArrayList<>(envelopes.size());
        for (int i = 0; i < envelopes.size(); i++) {
            futures.add(stages != null && stages.size() == envelopes.size() && stages.get(i) != null
                    ? stages.get(i).toCompletableFuture()
                    : CompletableFuture.failedFuture(new IllegalStateException("the " + scheme
                    + " transport's sendAll returned no stage for envelope " + i + " of " + envelopes.size())));
        }
        return futures;
    }

    /** The destination of a topic name, validated on first use. */
    private Destination topic(String name) {
        Destination topic = topics.get(name);
        if (topic == null) {
            topic = onBroker(Destination.topic(Names.topic(name)));
            topics.put(name, topic);
        }
        return topic;
    }

    /**
     * {@code destination} (named as in Courier) under the name the broker holds: itself, unless the
     * transport's {@link NameRule} needs another (see {@link NameRule#map}).
     */
    Destination onBroker(Destination destination) {
        return nameRule == null ? destination : destination.withName(nameRule.map(destination.name()));
    }

    /** The spec in Courier names, in broker names. */
    private ConsumerSpec onBroker(ConsumerSpec spec) {
        if (nameRule == null) {
            return spec;
        }
        return new ConsumerSpec(onBroker(spec.source()), spec.group() == null ? null : nameRule.map(spec.group()),
                spec.maxInFlight());
    }

    /**
     * Checks the headers against the transport's limits (count, total bytes of names and values
     * in UTF-8; trace headers included, as the publish pipeline added them), before any I/O.
     * Thrown from {@code publish} itself (wrapped in the failed stage when a user publish
     * interceptor ran before).
     */
    private void checkHeaderLimits(Destination destination, Map<String, String> headers) {
        if (headers.size() > capabilities.maxHeaders()) {
            throw new IllegalArgumentException("a message to " + destination + " has " + headers.size()
                    + " headers (trace headers included); " + scheme + " carries at most " + capabilities.maxHeaders());
        }
        if (capabilities.maxHeaderBytes() == Capabilities.UNLIMITED_HEADER_BYTES) {
            return;
        }
        long bytes = 0;
        for (Map.Entry<String, String> header : headers.entrySet()) {
            bytes += utf8Length(header.getKey()) + utf8Length(header.getValue());
        }
        if (bytes > capabilities.maxHeaderBytes()) {
            throw new IllegalArgumentException("the headers of a message to " + destination + " take " + bytes
                    + " bytes (names and values, UTF-8, trace headers included); " + scheme + " carries at most "
                    + capabilities.maxHeaderBytes());
        }
    }

    /**
     * The due time to put on the envelope: {@code null} when there is none or it is not in the
     * future (delivered at once). Thrown from {@code publish} before any I/O: a due time on a
     * transport without delayed delivery, or beyond its reach.
     */
    private Instant due(Destination destination, Instant deliverAt) {
        if (deliverAt == null) {
            return null;
        }
        if (!capabilities.has(Capabilities.Feature.DELAYED_DELIVERY)) {
            throw new UnsupportedOperationException("a message to " + destination + " is due at " + deliverAt
                    + ", but the " + scheme + " transport has no delayed delivery; publish it without a due time");
        }
        Instant now = Instant.ofEpochMilli(System.currentTimeMillis());
        if (!deliverAt.isAfter(now)) {
            return null;
        }
        Duration max = capabilities.delays().maxDelay();
        if (Duration.between(now, deliverAt).compareTo(max) > 0) {
            throw new IllegalArgumentException("a message to " + destination + " is due at " + deliverAt
                    + ", further ahead than the " + scheme + " transport holds messages (" + max + ")");
        }
        return deliverAt;
    }

    private static long utf8Length(String text) {
        long length = text.length();
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) >= 0x80) {
                return text.getBytes(StandardCharsets.UTF_8).length;
            }
        }
        return length;
    }

    /** {@code headers} without the reserved headers core adds to a request. */
    private static Map<String, String> withoutRequestHeaders(Map<String, String> headers) {
        if (!headers.containsKey(Names.REPLY_TO) && !headers.containsKey(Names.CORRELATION_ID)) {
            return headers;
        }
        Map<String, String> rest = new java.util.HashMap<>(headers);
        rest.remove(Names.REPLY_TO);
        rest.remove(Names.CORRELATION_ID);
        return rest;
    }

    /** Publishes {@code message} to {@code topic} through the publish pipeline, with Courier's {@code reserved} headers. */
    CompletionStage<PublishReceipt> publishWithReserved(OutgoingMessage message, Map<String, String> reserved) {
        ensureOpen();
        return publishPipeline.publish(topic(message.topic()), message, reserved);
    }

    /** Publishes {@code message} to {@code destination} through the publish pipeline. */
    CompletionStage<PublishReceipt> send(Destination destination, OutgoingMessage message) {
        ensureOpen();
        return publishPipeline.publish(destination, message);
    }

    /**
     * The innermost publish step: encodes, checks the size, declares and sends. The message comes
     * stamped (final id, type checked) and traced; it is checked again when user interceptors,
     * which may have changed it, ran before, and sent to another topic if they changed its topic.
     */
    private CompletionStage<PublishReceipt> encodeAndSend(Destination addressed, OutgoingMessage message, PublishBatch batch) {
        Destination destination = addressed;
        if (!options.interceptors().isEmpty()) {
            Names.headers(withoutRequestHeaders(message.headers()));
            if (message.type() != null) {
                Names.type(message.type());
            }
            if (!message.topic().equals(addressed.name())
                    && !onBroker(addressed.withName(message.topic())).equals(addressed)) {
                destination = addressed.isQueue() ? onBroker(Destination.queue(Names.queue(message.topic())))
                        : topic(message.topic());
            }
        }
        checkHeaderLimits(destination, message.headers());
        Instant deliverAt = due(destination, message.deliverAt());
        String id = message.id() != null ? message.id() : MessageIds.next();
        String type = message.type() != null ? message.type() : EventTypeNames.of(message.payload().getClass());
        if (type != null && type.equals(destination.name())) {
            type = null; // what the wire would say for no type: every transport reads it back as none
        }
        Payloads.Encoded encoded;
        try {
            encoded = payloads.encode(message.payload());
        } catch (Exception e) {
            return CompletableFuture.failedFuture(new PublishException("could not encode the payload of type "
                    + message.payload().getClass().getName() + " for " + destination + ": " + e.getMessage(), e));
        }
        if (encoded.bytes().length > maxMessageBytes) {
            return CompletableFuture.failedFuture(
                    // named as the user wrote it, not as the transport's name rule mapped it
                    new MessageTooLargeException(destination.withName(message.topic()).toString(), encoded.bytes().length,
                            maxMessageBytes));
        }
        Instant timestamp = message.timestamp() != null ? message.timestamp() : now();
        String contentType = message.contentType() != null ? message.contentType() : encoded.contentType();
        Envelope envelope = new Envelope(id, destination, message.key(), message.headers(), encoded.bytes(),
                contentType, timestamp, type, deliverAt);
        PublishReceipt receipt = new PublishReceipt(id, destination.name(), timestamp);
        if (batch != null) {
            CompletableFuture<PublishReceipt> collected = batch.add(envelope, receipt);
            if (collected != null) {
                return collected;
            }
        }
        return sendEnvelope(envelope, receipt);
    }

    /** The time now to the millisecond, one instance shared by the messages published within a millisecond. */
    private Instant now() {
        long millis = System.currentTimeMillis();
        Instant last = lastNow;
        if (last.toEpochMilli() == millis) {
            return last;
        }
        Instant now = Instant.ofEpochMilli(millis);
        lastNow = now;
        return now;
    }

    /**
     * Declares the destination if needed (on the declaring threads, never the caller's), sends,
     * and bounds the wait by the publish timeout; the stage completes with {@code result} once the
     * broker accepted the envelope, or fails with {@link PublishException}.
     */
    <R> CompletableFuture<R> sendEnvelope(Envelope envelope, R result) {
        return sendEnvelope(envelope, result, declaration(envelope.destination()));
    }

    /**
     * Sends to a destination another bus declared (a requester's reply queue), as
     * {@link #sendEnvelope} does but without declaring it: declaring would make this bus its owner.
     */
    CompletableFuture<Void> sendToDeclared(Envelope envelope) {
        return sendEnvelope(envelope, null, CompletableFuture.completedFuture(null), transportSend);
    }

    /**
     * Sends a reply through the transport's {@link ReplyPath} to {@code address}, bounded by the
     * publish timeout and awaited on close like every publish.
     */
    CompletableFuture<Void> sendReply(ReplyPath path, String address, Envelope envelope) {
        return sendEnvelope(envelope, null, CompletableFuture.completedFuture(null), reply -> {
            try {
                return path.send(address, reply).toCompletableFuture();
            } catch (RuntimeException e) {
                return CompletableFuture.failedFuture(e);
            }
        });
    }

    private <R> CompletableFuture<R> sendEnvelope(Envelope envelope, R result, CompletableFuture<Void> declaration) {
        return sendEnvelope(envelope, result, declaration, transportSend);
    }

    private <R> CompletableFuture<R> sendEnvelope(Envelope envelope, R result, CompletableFuture<Void> declaration,
                                                  Function<Envelope, CompletableFuture<Void>> sender) {
        CompletableFuture<Void> sent;
        if (declaration.isDone() && !declaration.isCompletedExceptionally()) {
            sent = sender.apply(envelope);
        } else {
            sent = declaration.handle((done, failure) -> {
                if (failure != null) {
                    throw new CompletionException(declareFailed(envelope.destination(), failure));
                }
                return done;
            }).thenCompose(done -> sender.apply(envelope));
        }
        return settle(envelope, result, declaration, sent);
    }

    /**
     * Counts {@code sent} as pending until it completes, bounds it by the publish timeout, and
     * completes with {@code result} or fails with {@link PublishException}.
     */
    private <R> CompletableFuture<R> settle(Envelope envelope, R result, CompletableFuture<Void> declaration,
                                            CompletableFuture<Void> sent) {
        if (sent.isDone() && !sent.isCompletedExceptionally()) {
            return CompletableFuture.completedFuture(result); // confirmed at once (memory://): nothing to wait for or count
        }
        pending.incrementAndGet();
        Unconfirmed<R> unconfirmed = new Unconfirmed<>(envelope, result, declaration, sent);
        publishTimeouts.watch(unconfirmed);
        sent.whenComplete(unconfirmed);
        return unconfirmed;
    }

    /**
     * The stage of a send the broker has not confirmed yet: completes with the result once it
     * does, or fails with {@link PublishException} (in a {@link CompletionException}, as a stage
     * that threw in {@code handle} would) when the send fails or the publish timeout passes.
     * One object for the stage, the timeout and the callback, instead of a chain of them.
     */
    private final class Unconfirmed<R> extends PublishTimeouts.Watched<R> implements BiConsumer<Void, Throwable> {
        private final Envelope envelope;
        private final R result;
        private final CompletableFuture<Void> declaration;

        Unconfirmed(Envelope envelope, R result, CompletableFuture<Void> declaration, CompletableFuture<Void> sent) {
            super(sent);
            this.envelope = envelope;
            this.result = result;
            this.declaration = declaration;
        }

        @Override
        public void accept(Void done, Throwable failure) {
            publishTimeouts.done(this);
            if (pending.decrementAndGet() == 0) {
                synchronized (pendingLock) {
                    pendingLock.notifyAll();
                }
            }
            if (failure == null) {
                complete(result);
            } else {
                completeExceptionally(new CompletionException(asPublishException(envelope, failure, declaration.isDone())));
            }
        }
    }

    private CompletableFuture<Void> transportSend(Envelope envelope) {
        try {
            return transport.send(envelope).toCompletableFuture();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private PublishException declareFailed(Destination destination, Throwable failure) {
        Throwable cause = unwrap(failure);
        return new PublishException("could not declare " + destination + " on " + url + ": " + cause.getMessage()
                + "; publish again to retry", cause);
    }

    private static Throwable unwrap(Throwable failure) {
        return failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    }

    private PublishException asPublishException(Envelope envelope, Throwable failure, boolean declared) {
        Throwable cause = unwrap(failure);
        if (cause instanceof PublishException publishException) {
            return publishException;
        }
        if (cause instanceof TimeoutException && !declared) {
            return new PublishException("could not declare " + envelope.destination() + " on " + url + " within "
                    + options.publishTimeout() + " for message " + envelope.id()
                    + "; the broker may be unreachable; publish again to retry", cause);
        }
        if (cause instanceof TimeoutException) {
            return new PublishException("no confirmation from " + url + " for message " + envelope.id() + " to "
                    + envelope.destination() + " within " + options.publishTimeout()
                    + "; the broker may be unreachable; publish again (consumers are at-least-once)", cause);
        }
        return new PublishException("could not publish message " + envelope.id() + " to " + envelope.destination()
                + " on " + url + ": " + cause.getMessage(), cause);
    }

    /**
     * The declaration of {@code destination}: the one done or in flight, shared by every publish to
     * it, or a new one started on the declaring threads when there is none or the last one failed
     * (so a broker that was down is asked again on the next publish).
     */
    private CompletableFuture<Void> declaration(Destination destination) {
        CompletableFuture<Void> known = declarations.get(destination);
        if (known != null && !known.isCompletedExceptionally()) {
            return known;
        }
        return declarations.compute(destination, (d, current) ->
                current != null && !current.isCompletedExceptionally() ? current : startDeclaring(d));
    }

    private CompletableFuture<Void> startDeclaring(Destination destination) {
        CompletableFuture<Void> declared = new CompletableFuture<>();
        try {
            declarer.execute(() -> {
                try {
                    declareOnBroker(destination);
                    declared.complete(null);
                } catch (RuntimeException | Error e) {
                    declared.completeExceptionally(e);
                }
            });
        } catch (RejectedExecutionException e) {
            declared.completeExceptionally(new IllegalStateException("this message bus (" + url + ") is closed"));
        }
        return declared;
    }

    /** Declares {@code destination} on the calling thread, unless a declaration of it succeeded already. */
    private void declare(Destination destination) {
        CompletableFuture<Void> known = declarations.get(destination);
        if (known != null && known.isDone() && !known.isCompletedExceptionally()) {
            return;
        }
        declareOnBroker(destination);
        declarations.put(destination, CompletableFuture.completedFuture(null));
    }

    /** Declares on the broker; an ephemeral destination is remembered, to be removed on close. */
    private void declareOnBroker(Destination destination) {
        if (destination.ephemeral()) {
            ephemerals.add(destination);
        }
        transport.declare(destination);
    }

    @Override
    public <T> Subscription subscribe(String topic, String group, Class<T> type, MessageHandler<T> handler) {
        return subscribe(topic, group, type, handler, ConsumerOptions.defaults());
    }

    @Override
    public <T> Subscription subscribe(String topic, String group, Class<T> type, MessageHandler<T> handler,
                                      ConsumerOptions options) {
        Names.topic(topic);
        Names.group(group);
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(handler, "handler");
        Objects.requireNonNull(options, "options");
        ensureOpen();
        declare(topic(topic)); // the instance publishes use, so their declaration lookup hits on identity, not equals
        return consume(new ConsumerSpec(Destination.topic(topic), group, options.maxInFlight()),
                Names.deadLetterQueue(topic, group), type, handler, options);
    }

    /** Like the interface's, decoding with this bus's codecs. */
    @Override
    public Subscription subscribe(String topic, String group, TypeRoutes routes, ConsumerOptions options) {
        Objects.requireNonNull(options, "options");
        return subscribe(topic, group, byte[].class, TypeRouter.of(routes, payloads, !options.lenientDecoding()), options);
    }

    <T> Subscription consume(ConsumerSpec spec, String deadLetterQueue, Class<T> type, MessageHandler<T> handler,
                             ConsumerOptions consumerOptions) {
        boolean reschedules = consumerOptions.retry().rescheduling().times() > 0;
        if (reschedules) {
            checkRescheduling(spec, consumerOptions.retry());
        }
        // the dead letters of a temporary queue go to a temporary queue too: nothing outlives the bus
        Destination deadLetters = onBroker(new Destination(deadLetterQueue, Destination.Kind.QUEUE,
                spec.source().ephemeral()));
        declare(deadLetters);
        Route route = new Route(scheme, spec.source().name(), spec.group());
        RealSubscription[] self = new RealSubscription[1];
        RealSubscription subscription = new RealSubscription(route, deadLetterQueue, consumerOptions, timers, listener,
                () -> subscriptions.remove(self[0]));
        self[0] = subscription;
        if (capabilities.ackDeadline().rule() == AckDeadline.Rule.CORE_EXTENDS) {
            subscription.extendAckDeadlines(capabilities.ackDeadline().deadline());
        }
        DeadLetterStep deadLetter = new DeadLetterStep(deadLetters, spec.group(), this::sendAndWait,
                subscription::isClosing, route, listener);
        RetryStep retry = new RetryStep(consumerOptions.retry(), route, listener,
                reschedules ? (message, due) -> reschedule(spec, message, due) : null, subscription::isClosing);
        subscription.pipeline(ConsumePipeline.of(deadLetter, retry,
                new ObserveStep(route, listener, traceHook), consumerOptions.interceptors(),
                new DecodeStep<>(payloads, type, handler, !consumerOptions.lenientDecoding())));
        subscriptions.add(subscription);
        try {
            ConsumerSpec onBroker = onBroker(spec);
            DeliverySink sink = onBroker.equals(spec) ? subscription : new DeliverySink() {
                @Override
                public void deliver(Delivery delivery) {
                    subscription.deliver(new RenamedDelivery(delivery, spec.source()));
                }

                @Override
                public void deliverAll(List<? extends Delivery> deliveries) {
                    List<Delivery> renamed = new ArrayList<>(deliveries.size());
                    for (Delivery delivery : deliveries) {
                        renamed.add(new RenamedDelivery(delivery, spec.source()));
                    }
                    subscription.deliverAll(renamed);
                }

                @Override
                public void backlogChanged(int partition, long records) {
                    subscription.backlogChanged(partition, records);
                }
            };
            Consumer consumer = transport.consume(onBroker, sink);
            subscription.attach(consumer);
        } catch (RuntimeException e) {
            subscription.close();
            throw e;
        }
        log.info("Subscribed to {} ({} handler(s), {} in flight at most)", subscription.describe(),
                consumerOptions.concurrency(), consumerOptions.maxInFlight());
        return subscription;
    }

    /** Refuses, before any I/O, a non-blocking retry policy the transport cannot carry out. */
    private void checkRescheduling(ConsumerSpec spec, RetryPolicy policy) {
        if (!capabilities.has(Capabilities.Feature.DELAYED_DELIVERY)) {
            throw new UnsupportedOperationException("the retry policy of " + spec.source() + " reschedules failed messages,"
                    + " but the " + scheme + " transport has no delayed delivery; retry in-process only");
        }
        Duration max = capabilities.delays().maxDelay();
        if (policy.rescheduling().maxDelay().compareTo(max) > 0) {
            throw new IllegalArgumentException("the retry policy of " + spec.source() + " reschedules up to "
                    + policy.rescheduling().maxDelay() + " ahead; the " + scheme + " transport holds messages for " + max
                    + " at most");
        }
    }

    /**
     * Sends {@code message} again to the destination it came from, due at {@code due}, with its
     * attempts so far and, on a topic, the group that failed it as the only group to handle it;
     * waits for the broker's confirmation. Same id, key, payload, headers, type and timestamp.
     */
    private void reschedule(ConsumerSpec spec, Message<byte[]> message, Instant due) throws Exception {
        Map<String, String> headers = new HashMap<>(message.headers());
        headers.put(Names.PRIOR_ATTEMPTS, Integer.toString(message.attempt()));
        if (spec.group() != null) {
            headers.put(DeadLetterHeaders.TARGET_GROUP, spec.group());
        }
        sendAndWait(new Envelope(message.id(), onBroker(spec.source()), message.key(), headers, message.payload(),
                message.contentType(), message.timestamp(), message.type(), due));
    }

    private void sendAndWait(Envelope envelope) throws Exception {
        try {
            sendEnvelope(envelope, null).get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }

    @Override
    public <T> WorkQueue<T> workQueue(String name, Class<T> type) {
        Names.queue(name);
        Objects.requireNonNull(type, "type");
        ensureOpen();
        Destination queue = onBroker(Destination.queue(name));
        declare(queue);
        return new RealWorkQueue<>(this, name, queue, type);
    }

    /**
     * A work queue named {@code tmp.<bus id>.<n>}, declared ephemeral, so the transport deletes it
     * when this bus closes.
     */
    @Override
    public <T> WorkQueue<T> temporaryQueue(Class<T> type) {
        Objects.requireNonNull(type, "type");
        ensureOpen();
        if (!capabilities.has(Capabilities.Feature.EPHEMERAL_DESTINATIONS)) {
            throw new UnsupportedOperationException("the " + scheme + " transport has no ephemeral destinations,"
                    + " so it offers no temporary queues");
        }
        String name = Names.queue("tmp." + busId + "." + temporaryQueues.incrementAndGet());
        Destination queue = onBroker(Destination.temporaryQueue(name));
        declare(queue);
        return new RealWorkQueue<>(this, name, queue, type);
    }

    @Override
    public <R> CompletionStage<Message<R>> request(OutgoingMessage request, Class<R> replyType, Duration timeout) {
        ensureOpen();
        return requestReply.request(request, replyType, timeout);
    }

    @Override
    public <Q, R> Subscription respond(String topic, String group, Class<Q> requestType, Responder<Q, R> responder,
                                       ConsumerOptions options) {
        return requestReply.respond(topic, group, requestType, responder, options);
    }

    @Override
    public Health health() {
        List<Health.SubscriptionHealth> each = subscriptions.stream().map(RealSubscription::health).toList();
        if (closed.get()) {
            return new Health(HealthStatus.CLOSED, scheme, "closed", each);
        }
        ConnectionState state;
        try {
            state = transport.state();
        } catch (RuntimeException e) {
            state = new ConnectionState(HealthStatus.FAILED, "could not read the transport's state: " + e);
        }
        return new Health(state.status(), scheme, state.detail(), each);
    }

    private void ensureOpen() {
        if (closed.get()) {
            throw new IllegalStateException("this message bus (" + url + ") is closed");
        }
    }

    /**
     * Closes every subscription together: all stop receiving first, then their handlers get one
     * shutdown timeout to finish (in parallel, not one subscription after another), then their
     * consumers close in parallel. Waits for pending publishes, then closes the transport.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        requestReply.closing();
        closeSubscriptions();
        awaitPendingPublishes();
        removeEphemerals();
        timers.shutdownNow();
        declarer.shutdownNow();
        transport.close();
        log.info("Closed connection to {}", url);
    }

    private void closeSubscriptions() {
        List<RealSubscription> all = List.copyOf(subscriptions);
        List<RealSubscription> ours = all.stream().filter(RealSubscription::stopReceiving).toList();
        long start = System.nanoTime();
        List<RealSubscription> stuck = ours.stream()
                .filter(s -> !s.awaitHandlers(start + s.shutdownTimeout().toNanos()))
                .toList();
        stuck.forEach(RealSubscription::interruptHandlers);
        long grace = System.nanoTime() + RealSubscription.INTERRUPT_GRACE.toNanos();
        stuck.forEach(s -> s.awaitHandlers(grace));
        if (ours.size() <= 1) {
            ours.forEach(RealSubscription::finishClose);
        } else {
            ExecutorService closers = Executors.newFixedThreadPool(Math.min(ours.size(), CLOSING_THREADS),
                    new NamedThreads("courier-close"));
            try {
                ours.forEach(s -> closers.execute(s::finishClose));
            } finally {
                closers.shutdown();
                try {
                    closers.awaitTermination(Long.MAX_VALUE, TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        all.forEach(RealSubscription::awaitClosed); // those closing on another thread too
    }

    /** Deletes the ephemeral destinations this bus declared; a failure is logged, not thrown. */
    private void removeEphemerals() {
        for (Destination destination : ephemerals) {
            try {
                transport.remove(destination);
                log.debug("Removed {} from {}", destination, url);
            } catch (RuntimeException e) {
                log.warn("Could not remove {} from {}; delete it on the broker: {}", destination, url,
                        DeadLetterStep.oneLine(e));
            }
        }
        ephemerals.clear();
    }

    private void awaitPendingPublishes() {
        long deadline = System.nanoTime() + options.publishTimeout().toNanos();
        synchronized (pendingLock) {
            while (pending.get() > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    log.warn("Closing {} with {} publish(es) still unconfirmed", url, pending.get());
                    return;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(pendingLock, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    @Override
    public String toString() {
        return "MessageBus[" + url + "]";
    }

    /** A delivery from a destination whose broker name differs, shown under its Courier name. */
    private record RenamedDelivery(Delivery delivery, Destination source) implements Delivery {

        @Override
        public Envelope envelope() {
            return delivery.envelope().withDestination(source);
        }

        @Override
        public int deliveryCount() {
            return delivery.deliveryCount();
        }

        @Override
        public void ack() {
            delivery.ack();
        }

        @Override
        public void reject() {
            delivery.reject();
        }

        @Override
        public void inProgress() {
            delivery.inProgress();
        }
    }

    /** A work queue on this bus; {@code name} is its Courier name, {@code destination} its broker one. */
    private record RealWorkQueue<T>(RealMessageBus bus, String name, Destination destination, Class<T> type)
            implements WorkQueue<T> {

        @Override
        public CompletionStage<PublishReceipt> submit(T job) {
            return submit(job, Map.of());
        }

        @Override
        public CompletionStage<PublishReceipt> submit(T job, Map<String, String> headers) {
            Objects.requireNonNull(job, "job");
            Objects.requireNonNull(headers, "headers");
            return bus.send(destination, new OutgoingMessage(name(), job, null, headers, null));
        }

        @Override
        public CompletionStage<PublishReceipt> submit(T job, Instant deliverAt) {
            Objects.requireNonNull(job, "job");
            Objects.requireNonNull(deliverAt, "deliverAt");
            return bus.send(destination, new OutgoingMessage(name(), job, null, Map.of(), null).withDeliverAt(deliverAt));
        }

        @Override
        public Subscription work(MessageHandler<T> handler) {
            return work(handler, ConsumerOptions.defaults());
        }

        @Override
        public Subscription work(MessageHandler<T> handler, ConsumerOptions options) {
            Objects.requireNonNull(handler, "handler");
            Objects.requireNonNull(options, "options");
            bus.ensureOpen();
            return bus.consume(new ConsumerSpec(destination.withName(name), null, options.maxInFlight()),
                    Names.deadLetterQueue(name()), type, handler, options);
        }

        @Override
        public Subscription workBatch(BatchOptions batch, BatchHandler<T> handler, ConsumerOptions options) {
            return work(BatchingHandler.of(handler, batch), BatchingHandler.workersFor(batch, Objects.requireNonNull(options, "options")));
        }

        @Override
        public String toString() {
            return "WorkQueue[" + name() + "]";
        }
    }
}
