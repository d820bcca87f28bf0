package dev.courier.transport.rabbitmq;

import com.rabbitmq.client.ConnectionFactory;
import dev.courier.api.ConnectionException;
import dev.courier.api.HealthStatus;
import dev.courier.api.PublishException;
import dev.courier.spi.Capabilities;
import dev.courier.spi.ConnectionState;
import dev.courier.spi.Consumer;
import dev.courier.spi.ConsumerSpec;
import dev.courier.spi.DeliverySink;
import dev.courier.spi.Destination;
import dev.courier.spi.Envelope;
import dev.courier.spi.ReplyPath;
import dev.courier.spi.NamedThreadFactory;
import dev.courier.spi.QueueBrowser;
import dev.courier.spi.TlsTrust;
import dev.courier.spi.Transport;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The RabbitMQ transport: a topic is a durable topic exchange, a group a durable queue
 * {@code <topic>:<group>} bound to it with {@code #}, a work queue a durable queue reached through
 * the default exchange. Publishing uses one connection (confirms, persistent messages), consuming
 * another (one channel per consumer, manual acks); both recover automatically after a connection
 * loss, with their channels, declarations and consumers. Delayed messages wait in the
 * {@link DelayLevels delay levels}, durable TTL queues chained by dead-letter exchanges.
 *
 * <p>Thread safe.
 */
final class RabbitMqTransport implements Transport {

    private static final Logger log = LoggerFactory.getLogger(RabbitMqTransport.class);
    /** RabbitMQ's ceiling for a message body, whatever {@code max_message_size} says. */
    private static final int MAX_INBOUND_BODY = (int) RabbitMqSettings.MAX_MESSAGE_BYTES_CEILING;
    private static final Duration CLOSE_CONFIRM_WAIT = Duration.ofSeconds(10);
    /**
     * RabbitMQ sends a message's properties, headers included, in one frame of at most
     * {@code frame_max} (128 KiB by default): users get half of it, in at most 1024 headers (each
     * costs up to 6 bytes of table framing), leaving room for Courier's own headers.
     */
    static final int MAX_HEADERS = 1024;
    static final long MAX_HEADER_BYTES = 64 * 1024;
    /**
     * How late after its due time a delayed message arrives at most on an idle broker: the delay
     * levels count whole seconds (rounded up), and each of at most 22 hops costs a dead-lettering.
     */
    static final Duration DELAY_GRANULARITY = Duration.ofMillis(1500);
    /** Threads handing deliveries to Courier, per bus: the amqp-client's default for its consumer pool. */
    static final int DISPATCH_THREADS = Math.max(2, 2 * Runtime.getRuntime().availableProcessors());

    private final RabbitMqSettings settings;
    private final Capabilities capabilities;
    private final ConnectionFactory factory;
    private final ExecutorService dispatch;
    private final ExecutorService completions;
    private final ScheduledThreadPoolExecutor timers;
    private final AmqpLink publishing;
    private final RabbitMqPublisher publisher;
    private final Object consumingLock = new Object();
    private volatile AmqpLink consuming; // created by the first consume()
    private final Set<RabbitMqConsumer> consumers = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean closing = new AtomicBoolean();
    /** The delay levels, declared for the first delayed message (again after a failure). */
    private final AtomicReference<CompletableFuture<Void>> delayLevels = new AtomicReference<>();
    /** Each destination's binding to the delay levels' exit, made for its first delayed message. */
    private final Map<Destination, CompletableFuture<Void>> delayRoutes = new ConcurrentHashMap<>();
    /** Request/reply's inboxes: an exclusive queue per bus on the consuming connection. */
    private final RabbitMqReplyQueue replies;
    private volatile boolean closed;

    private RabbitMqTransport(RabbitMqSettings settings, ConnectionFactory factory, ExecutorService dispatch,
                              ExecutorService completions, AmqpLink publishing) {
        this.settings = settings;
        this.capabilities = new Capabilities(settings.maxMessageBytes())
                .withHeaderLimits(MAX_HEADERS, MAX_HEADER_BYTES)
                .withFeatures(Capabilities.Feature.EPHEMERAL_DESTINATIONS)
                .withDelayedDelivery(DELAY_GRANULARITY, DelayLevels.MAX_DELAY);
        this.factory = factory;
        this.dispatch = dispatch;
        this.completions = completions;
        this.publishing = publishing;
        this.timers = new ScheduledThreadPoolExecutor(1, threads("courier-amqp-timer"));
        this.publisher = new RabbitMqPublisher(publishing, settings, task -> {
            try {
                completions.execute(task);
            } catch (RejectedExecutionException closedAlready) {
                task.run();
            }
        });
        this.replies = new RabbitMqReplyQueue(this::consumingLink, publisher, settings);
        long sweep = Math.max(10, Math.min(1000, settings.confirmTimeout().toMillis() / 4));
        timers.scheduleWithFixedDelay(publisher::expire, sweep, sweep, TimeUnit.MILLISECONDS);
    }

    /** Connects to the broker; fails with {@link ConnectionException} within the connect timeout. */
    static RabbitMqTransport open(RabbitMqSettings settings) {
        ConnectionFactory factory = factory(settings);
        ExecutorService dispatch = dispatchPool();
        ExecutorService completions = Executors.newCachedThreadPool(threads("courier-amqp-confirm"));
        factory.setSharedExecutor(dispatch);
        try {
            AmqpLink publishing = AmqpLink.open(factory, settings, "publisher");
            RabbitMqTransport transport = new RabbitMqTransport(settings, factory, dispatch, completions, publishing);
            log.debug("Connected to RabbitMQ at {}", settings.address());
            return transport;
        } catch (RuntimeException e) {
            dispatch.shutdownNow();
            completions.shutdownNow();
            throw e;
        }
    }

    /**
     * The threads that hand deliveries of every subscription's channel to Courier: as many as the
     * client's own default (twice the processors), whatever the number of subscriptions; idle
     * ones end after a minute. Handing over is quick (core queues the message), so a few threads
     * serve hundreds of channels; the client takes the channels' work in turns.
     */
    private static ExecutorService dispatchPool() {
        int size = DISPATCH_THREADS;
        ThreadPoolExecutor pool = new ThreadPoolExecutor(size, size, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                threads("courier-amqp-dispatch"));
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }

    private static ConnectionFactory factory(RabbitMqSettings settings) {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setHost(settings.host());
        factory.setPort(settings.port());
        factory.setVirtualHost(settings.virtualHost());
        factory.setUsername(settings.user());
        factory.setPassword(settings.password());
        int connectMillis = (int) settings.connectTimeout().toMillis();
        factory.setConnectionTimeout(connectMillis);
        factory.setHandshakeTimeout(connectMillis);
        factory.setAutomaticRecoveryEnabled(true);
        factory.setTopologyRecoveryEnabled(true);
        factory.setNetworkRecoveryInterval(settings.recoveryInterval().toMillis());
        factory.setMaxInboundMessageBodySize(MAX_INBOUND_BODY);
        factory.setThreadFactory(threads("courier-amqp-io"));
        factory.setExceptionHandler(new AmqpLink.ClientErrors(settings));
        if (settings.tls()) {
            factory.useSslProtocol(sslContext(settings));
            factory.enableHostnameVerification();
        }
        return factory;
    }

    /** TLS trusting the JVM's trust store, or the one named by the {@code trustStore} option. */
    static SSLContext sslContext(RabbitMqSettings settings) {
        return TlsTrust.context(settings.trustStore(), settings.trustStorePassword());
    }

    private static ThreadFactory threads(String prefix) {
        return new NamedThreadFactory(prefix);
    }

    @Override
    public Capabilities capabilities() {
        return capabilities;
    }

    @Override
    public void declare(Destination destination) {
        ensureOpen();
        if (destination.ephemeral() && destination.isQueue()) {
            publishing.declareTemporaryQueue(destination.name());
        } else if (destination.isQueue()) {
            publishing.declareQueue(destination.name());
        } else {
            publishing.declareTopic(destination.name());
        }
    }

    /** Deletes a temporary queue with its messages (its consumers are closed by then). */
    @Override
    public void remove(Destination destination) {
        ensureOpen();
        if (!destination.ephemeral() || !destination.isQueue()) {
            throw new IllegalArgumentException(destination + " is not a temporary queue; only those are removed");
        }
        publishing.deleteQueue(destination.name());
    }

    @Override
    public CompletionStage<Void> send(Envelope envelope) {
        if (closed) {
            return CompletableFuture.failedFuture(new PublishException("could not publish message " + envelope.id() + " to "
                    + envelope.destination() + ": the RabbitMQ transport for " + settings.address() + " is closed"));
        }
        if (envelope.deliverAt() == null) {
            return publisher.send(envelope);
        }
        CompletableFuture<Void> route = delayRoute(envelope.destination());
        if (route.isDone() && !route.isCompletedExceptionally()) {
            return publisher.send(envelope);
        }
        return route.thenCompose(ready -> publisher.send(envelope));
    }

    /**
     * Publishes the batch in order on the confirm channel without another publish between them;
     * the broker confirms them in runs ({@code multiple}). A batch holding a delayed message goes
     * one by one, since a delayed message may first need its delay route declared.
     */
    @Override
    public List<CompletionStage<Void>> sendAll(List<Envelope> envelopes) {
        if (closed || envelopes.stream().anyMatch(envelope -> envelope.deliverAt() != null)) {
            return Transport.super.sendAll(envelopes);
        }
        return new ArrayList<>(publisher.sendAll(envelopes));
    }

    /**
     * The declarations a delayed message to {@code destination} needs (the delay levels, and the
     * destination's binding to their exit), done once per destination off the caller's thread and
     * tried again on the next delayed message after a failure.
     */
    private CompletableFuture<Void> delayRoute(Destination destination) {
        CompletableFuture<Void> known = delayRoutes.get(destination);
        if (known != null && !known.isCompletedExceptionally()) {
            return known;
        }
        return delayRoutes.compute(destination, (d, current) -> current != null && !current.isCompletedExceptionally()
                ? current : delayLevels().thenRunAsync(() -> publishing.bindDelayed(d), completions));
    }

    private CompletableFuture<Void> delayLevels() {
        CompletableFuture<Void> known = delayLevels.get();
        if (known != null && !known.isCompletedExceptionally()) {
            return known;
        }
        CompletableFuture<Void> declaring = new CompletableFuture<>();
        if (!delayLevels.compareAndSet(known, declaring)) {
            return delayLevels();
        }
        try {
            completions.execute(() -> {
                try {
                    publishing.declareDelayLevels();
                    declaring.complete(null);
                } catch (RuntimeException e) {
                    declaring.completeExceptionally(e);
                }
            });
        } catch (RejectedExecutionException closed) {
            declaring.completeExceptionally(new IllegalStateException("the RabbitMQ transport for " + settings.address()
                    + " is closed"));
        }
        return declaring;
    }

    @Override
    public Optional<ReplyPath> replyPath() {
        return Optional.of(replies);
    }

    @Override
    public Consumer consume(ConsumerSpec spec, DeliverySink sink) {
        ensureOpen();
        AmqpLink link = consumingLink();
        String queue;
        if (spec.source().isQueue()) {
            queue = spec.source().name();
            if (spec.source().ephemeral()) {
                link.declareTemporaryQueue(queue);
            } else {
                link.declareQueue(queue);
            }
        } else {
            queue = groupQueue(spec.source().name(), spec.group());
            link.declareGroup(spec.source().name(), queue);
        }
        RabbitMqConsumer[] self = new RabbitMqConsumer[1];
        RabbitMqConsumer consumer;
        try {
            consumer = RabbitMqConsumer.start(link, queue, spec, sink, settings, timers, () -> consumers.remove(self[0]));
        } catch (IOException | RuntimeException e) {
            String refusal = AmqpLink.Failures.refusal(e);
            throw new ConnectionException("could not consume " + spec + " from queue " + queue + " on RabbitMQ at "
                    + settings.address() + ": " + (refusal != null ? refusal : AmqpLink.Failures.reason(e, settings)),
                    AmqpLink.Failures.showsPassword(e, settings) ? null : e);
        }
        self[0] = consumer;
        consumers.add(consumer);
        if (closed) {
            consumer.close();
            throw new IllegalStateException("the RabbitMQ transport for " + settings.address() + " is closed");
        }
        log.debug("Consuming {} from queue {} (prefetch {})", spec, queue,
                Math.min(spec.maxInFlight(), settings.prefetchCap()));
        return consumer;
    }

    @Override
    public QueueBrowser browse(Destination queue) {
        ensureOpen();
        if (!queue.isQueue()) {
            throw new IllegalArgumentException("only a queue can be browsed: " + queue);
        }
        return new RabbitMqQueueBrowser(consumingLink(), queue, settings);
    }

    @Override
    public Consumer tail(Destination topic, DeliverySink sink) {
        ensureOpen();
        if (topic.isQueue()) {
            throw new IllegalArgumentException("only a topic can be tailed: " + topic);
        }
        return RabbitMqTail.start(consumingLink(), topic, sink, settings);
    }

    /** UP when connected; RECONNECTING while a connection is down (the client reconnects by itself). */
    @Override
    public ConnectionState state() {
        if (closed) {
            return new ConnectionState(HealthStatus.CLOSED, "closed");
        }
        String problem = publishing.problem();
        AmqpLink link = consuming;
        if (problem == null && link != null) {
            problem = link.problem();
        }
        return problem == null ? ConnectionState.UP : new ConnectionState(HealthStatus.RECONNECTING, problem);
    }

    /** The queue of {@code group} on {@code topic}. */
    static String groupQueue(String topic, String group) {
        return topic + ":" + group; // ":" is not legal in Courier names, so no work queue can collide
    }

    private AmqpLink consumingLink() {
        AmqpLink link = consuming;
        if (link != null) {
            return link;
        }
        synchronized (consumingLock) {
            if (consuming == null) {
                consuming = AmqpLink.open(factory, settings, "consumer");
            }
            return consuming;
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("the RabbitMQ transport for " + settings.address() + " is closed");
        }
    }

    @Override
    public void close() {
        if (!closing.compareAndSet(false, true)) {
            return;
        }
        closed = true;
        for (RabbitMqConsumer consumer : consumers) {
            consumer.close();
        }
        consumers.clear();
        publisher.close(CLOSE_CONFIRM_WAIT);
        synchronized (consumingLock) {
            if (consuming != null) {
                consuming.close();
            }
        }
        publishing.close();
        dispatch.shutdown();
        completions.shutdown();
        timers.shutdownNow();
        log.debug("Closed the connections to RabbitMQ at {}", settings.address());
    }

    @Override
    public String toString() {
        return "RabbitMqTransport[" + settings.address() + "]";
    }
}
