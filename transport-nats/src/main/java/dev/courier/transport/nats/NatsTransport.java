package dev.courier.transport.nats;

import dev.courier.api.ConnectionException;
import dev.courier.api.PublishException;
import dev.courier.api.HealthStatus;
import dev.courier.spi.AckDeadline;
import dev.courier.spi.BoundedMemo;
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
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.JetStreamOptions;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.PublishOptions;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.ConsumerInfo;
import io.nats.client.api.DeliverPolicy;
import io.nats.client.api.DiscardPolicy;
import io.nats.client.api.PublishAck;
import io.nats.client.api.RetentionPolicy;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.impl.Headers;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Transport} over one NATS connection with JetStream.
 *
 * <p>Mapping: a topic is a stream with interest retention on {@code courier.t.<topic>}, a group
 * is a durable pull consumer on it (starting with messages published after it was created); a
 * work queue is a stream with work-queue retention on {@code courier.q.<queue>} read through one
 * durable pull consumer shared by every worker. Names are derived by {@link NatsNames}, headers by
 * {@link NatsHeaders}, and header blocks jnats would refuse are repaired on the socket by
 * {@link NatsHeaderRepair}. Publishing waits for JetStream's PubAck asynchronously and carries the
 * envelope id as {@code Nats-Msg-Id}, so a retried publish is stored once. A message due later goes
 * to the delay stream of {@link NatsDelayStream}, which publishes it when due. Secrets never appear
 * in messages: client messages go through {@link NatsSettings#scrub}.
 *
 * <p>The connection reconnects by itself, forever; consumers pull again as soon as their
 * subscriptions are restored. Thread safe.
 */
final class NatsTransport implements Transport {

    private static final Logger log = LoggerFactory.getLogger(NatsTransport.class);

    /** The most messages a consumer may hold unacknowledged on the server; bounds one consumer's in-flight. */
    static final int MAX_ACK_PENDING = 10_000;
    /** Room left in the server's max_payload for headers; at most a quarter of it. */
    static final long HEADER_MARGIN = 64 * 1024;
    /** The most user headers a message carries (a bound on their framing in the header room). */
    static final int MAX_HEADERS = 1024;
    /** How long a publish may wait for its PubAck (core usually gives up earlier). */
    static final Duration PUBLISH_ACK_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration CLOSE_FLUSH = Duration.ofSeconds(5);
    /** How often a connected connection is pinged, and how long the answer may take. */
    static final Duration LIVENESS_PERIOD = Duration.ofSeconds(5);
    static final Duration LIVENESS_TIMEOUT = Duration.ofSeconds(5);
    /** The longest close waits for consumers to drain (a round trip each, bounded by their own drain timeout). */
    private static final Duration CLOSE_LINGER = Duration.ofSeconds(8);
    private static final int STREAM_NOT_FOUND = 10059;
    /** Stream and subject of each destination published to, by name (a String's hash is cached, a record's is not). */
    private static final BoundedMemo<String, Route> TOPIC_ROUTES = new BoundedMemo<>(4_096, name -> Route.of(Destination.topic(name)));
    private static final BoundedMemo<String, Route> QUEUE_ROUTES = new BoundedMemo<>(4_096, name -> Route.of(Destination.queue(name)));
    private static final int STREAM_NAME_IN_USE = 10058;
    private static final int CONSUMER_NOT_FOUND = 10014;

    private final NatsSettings settings;
    private final Connection connection;
    private final JetStream jetStream;
    private final JetStreamManagement management;
    private final Capabilities capabilities;
    private final ScheduledExecutorService timers;
    private final Set<String> knownStreams = ConcurrentHashMap.newKeySet();
    private final Set<NatsConsumer> consumers = ConcurrentHashMap.newKeySet();
    private final NatsDelayStream delays;
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Request/reply's inboxes: core NATS subscriptions, no stream per bus. */
    private final NatsInbox replies;
    /** Pings the server while connected, so health does not say UP for a connection that no longer reads. */
    private final ScheduledExecutorService watch;
    /** Why a connection that says it is connected is not usable, or {@code null}. */
    private volatile String unanswered;
    /** How consumers made from now on pull; only tests change it. */
    private volatile NatsConsumer.PullTiming pullTiming = NatsConsumer.PullTiming.DEFAULT;

    private NatsTransport(NatsSettings settings, Connection connection, NatsConnectionEvents events) throws IOException {
        this.settings = settings;
        this.connection = connection;
        JetStreamOptions jsOptions = JetStreamOptions.builder().requestTimeout(REQUEST_TIMEOUT).build();
        this.jetStream = connection.jetStream(jsOptions);
        this.management = connection.jetStreamManagement(jsOptions);
        this.replies = new NatsInbox(connection, REQUEST_TIMEOUT, settings.address(), settings.envelope());
        long maxPayload = connection.getServerInfo().getMaxPayload();
        long headerRoom = Math.min(HEADER_MARGIN, maxPayload / 4);
        // users get half the header room: values outside printable ASCII travel base64-encoded (4/3),
        // each header costs a few bytes of framing, and Courier's own headers need the rest
        this.capabilities = new Capabilities(maxPayload - headerRoom)
                .withHeaderLimits(MAX_HEADERS, headerRoom / 2)
                .withFeatures(Capabilities.Feature.EPHEMERAL_DESTINATIONS, Capabilities.Feature.NATIVE_DEDUPLICATION)
                .withDelayedDelivery(NatsDelayStream.GRANULARITY, NatsDelayStream.MAX_DELAY)
                .withAckDeadline(AckDeadline.transportExtends(settings.ackWait()));
        this.delays = new NatsDelayStream(settings, connection, jetStream, management);
        this.timers = Executors.newSingleThreadScheduledExecutor(NamedThreadFactory.forTransport("nats", "timer"));
        this.watch = Executors.newSingleThreadScheduledExecutor(NamedThreadFactory.forTransport("nats", "watch"));
        watch.scheduleWithFixedDelay(this::checkAnswers, LIVENESS_PERIOD.toMillis(), LIVENESS_PERIOD.toMillis(),
                TimeUnit.MILLISECONDS);
        events.onResubscribed(() -> consumers.forEach(NatsConsumer::resubscribed));
        events.onPullError((subscription, status) -> consumers.forEach(c -> c.pullFailed(subscription, status)));
        events.onPullWarning((subscription, status) -> consumers.forEach(c -> c.pullWarning(subscription, status)));
    }

    /**
     * Connects and checks that JetStream is enabled.
     *
     * @throws ConnectionException naming the address (never the password) when no server answers in
     *                             time, the credentials are refused, or JetStream is off
     */
    static NatsTransport connect(NatsSettings settings) {
        Objects.requireNonNull(settings, "settings");
        String address = settings.address();
        NatsConnectionEvents events = new NatsConnectionEvents(address, settings::scrub);
        Options.Builder options = new Options.Builder()
                .servers(settings.serverUrls())
                .connectionName("courier")
                .connectionTimeout(settings.connectTimeout())
                .maxReconnects(-1)
                .reconnectWait(Duration.ofSeconds(1))
                .pingInterval(Duration.ofSeconds(10))
                .dataPortType(NatsHeaderRepair.class.getName())
                .connectionListener(events)
                .errorListener(events);
        if (settings.user() != null) {
            options.userInfo(settings.user().toCharArray(), settings.password().toCharArray());
        }
        if (settings.token() != null) {
            options.token(settings.token().toCharArray());
        }
        if (settings.tls()) {
            options.sslContext(sslContext(settings));
        }
        Connection connection;
        try {
            connection = Nats.connect(options.build());
        } catch (IOException e) {
            SSLException tls = tlsFailure(events.lastException());
            if (tls != null) {
                throw new ConnectionException("could not connect to NATS at " + address + ": the TLS handshake failed ("
                        + settings.scrub(tls.getMessage()) + "); " + (settings.trustStore() == null
                        ? "for a server with a private CA or a self-signed certificate, give option trustStore"
                        : "does option trustStore '" + settings.trustStore() + "' hold the server's certificate or its CA?"), e);
            }
            throw new ConnectionException("could not connect to NATS at " + address + " within "
                    + settings.connectTimeout().toMillis() + " ms per server: " + settings.scrub(e.getMessage()), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ConnectionException("interrupted while connecting to NATS at " + address, e);
        } catch (RuntimeException e) {
            throw new ConnectionException("could not connect to NATS at " + address + ": " + settings.scrub(e.getMessage()), e);
        }
        try {
            connection.jetStreamManagement(JetStreamOptions.builder().requestTimeout(REQUEST_TIMEOUT).build())
                    .getAccountStatistics();
            NatsTransport transport = new NatsTransport(settings, connection, events);
            log.info("Connected to NATS {} at {} ({}), max payload {} bytes", connection.getServerInfo().getVersion(),
                    connection.getConnectedUrl(), settings, connection.getServerInfo().getMaxPayload());
            return transport;
        } catch (IOException | JetStreamApiException | RuntimeException e) {
            closeQuietly(connection);
            throw new ConnectionException("NATS at " + address + " has no JetStream (start nats-server with -js,"
                    + " or enable JetStream for this account): " + settings.scrub(e.getMessage()), e);
        }
    }

    /** The TLS failure in {@code failure}'s causes, or {@code null}. */
    private static SSLException tlsFailure(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof SSLException tls) {
                return tls;
            }
        }
        return null;
    }

    /**
     * Waits until the server has processed what {@code connection} sent so far (its PONG answers
     * our PING), so a subscription just made is in place before the caller goes on.
     *
     * @param what what was sent, for the error message
     * @throws ConnectionException when the server does not answer within {@code timeout}
     */
    static void awaitServer(Connection connection, Duration timeout, String address, String what) {
        try {
            connection.flush(timeout);
        } catch (TimeoutException e) {
            throw new ConnectionException("could not " + what + " on NATS at " + address + ": no answer within "
                    + timeout.toMillis() + " ms", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ConnectionException("interrupted while waiting to " + what + " on NATS at " + address, e);
        }
    }

    /**
     * The JVM's default TLS context, or one trusting only the {@code trustStore} option's PKCS12 file
     * (for a server with a private CA or a self-signed certificate).
     *
     * @throws IllegalArgumentException when the trust store cannot be loaded (wrong file or password)
     */
    static SSLContext sslContext(NatsSettings settings) {
        return TlsTrust.context(settings.trustStore(), settings.trustStorePassword());
    }

    @Override
    public Capabilities capabilities() {
        return capabilities;
    }

    @Override
    public void declare(Destination destination) {
        ensureOpen();
        ensureStream(destination);
    }

    /** Deletes the stream of a temporary queue, with its messages and its consumer. */
    @Override
    public void remove(Destination destination) {
        ensureOpen();
        if (!destination.ephemeral()) {
            throw new IllegalArgumentException(destination + " is durable; only ephemeral destinations are removed");
        }
        Route route = (destination.isQueue() ? QUEUE_ROUTES : TOPIC_ROUTES).get(destination.name());
        String stream = route.stream();
        knownStreams.remove(stream);
        try {
            management.deleteStream(stream);
            log.info("Deleted stream {} of {} on {}", stream, destination, settings.address());
        } catch (JetStreamApiException e) {
            if (e.getApiErrorCode() != STREAM_NOT_FOUND) {
                throw new ConnectionException("NATS at " + settings.address() + " refused to delete stream " + stream
                        + " of " + destination + ": " + settings.scrub(e.getMessage()), e);
            }
        } catch (IOException e) {
            throw new ConnectionException("could not delete stream " + stream + " of " + destination + " on NATS at "
                    + settings.address() + ": " + settings.scrub(e.getMessage()), e);
        }
    }

    @Override
    public CompletionStage<Void> send(Envelope envelope) {
        Destination destination = envelope.destination();
        if (closed.get()) {
            return CompletableFuture.failedFuture(new PublishException("could not publish message " + envelope.id()
                    + " to " + destination + ": the NATS transport for " + settings.address() + " is closed"));
        }
        String messageId = NatsHeaders.messageId(envelope);
        Headers headers = NatsHeaders.toHeaders(envelope, settings.envelope(),
                envelope.deliverAt() == null && messageId.equals(NatsHeaders.encodeValue(envelope.id())));
        Route route = (destination.isQueue() ? QUEUE_ROUTES : TOPIC_ROUTES).get(destination.name());
        String stream = route.stream();
        PublishOptions publishOptions = PublishOptions.builder()
                .messageId(messageId)
                .expectedStream(stream)
                .streamTimeout(PUBLISH_ACK_TIMEOUT)
                .build();
        CompletableFuture<PublishAck> acked;
        try {
            acked = envelope.deliverAt() != null
                    ? delays.send(envelope, headers, route.subject(), stream)
                    : jetStream.publishAsync(route.subject(), headers, envelope.payload(), publishOptions);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(publishFailure(envelope, stream, e));
        }
        return acked.handle((ack, failure) -> {
            if (failure != null) {
                throw new CompletionException(publishFailure(envelope, stream, failure));
            }
            return null;
        });
    }

    @Override
    public Optional<ReplyPath> replyPath() {
        return Optional.of(replies);
    }

    @Override
    public Consumer consume(ConsumerSpec spec, DeliverySink sink) {
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(sink, "sink");
        ensureOpen();
        ensureStream(spec.source());
        delays.forwardIfPresent();
        ConsumerInfo info = ensureConsumer(spec);
        long serverBound = info.getConsumerConfiguration().getMaxAckPending();
        int maxInFlight = serverBound > 0 ? (int) Math.min(spec.maxInFlight(), serverBound) : spec.maxInFlight();
        NatsConsumer consumer = new NatsConsumer(spec, sink, NatsNames.stream(spec.source()), info.getName(),
                maxInFlight, settings.ackWait(), pullTiming, connection, jetStream, timers, this::state);
        consumers.add(consumer);
        consumer.gone().whenComplete((done, failed) -> consumers.remove(consumer));
        try {
            consumer.start();
        } catch (IOException | JetStreamApiException | RuntimeException e) {
            consumer.close();
            throw new ConnectionException("could not start consuming " + spec + " on NATS at " + settings.address()
                    + ": " + settings.scrub(e.getMessage()), e);
        }
        return consumer;
    }

    /** Makes the consumers created from now on pull with {@code timing}: for tests, which shorten pull requests. */
    void pullTiming(NatsConsumer.PullTiming timing) {
        this.pullTiming = Objects.requireNonNull(timing, "timing");
    }

    @Override
    public QueueBrowser browse(Destination queue) {
        ensureOpen();
        if (!queue.isQueue()) {
            throw new IllegalArgumentException("only a queue can be browsed: " + queue);
        }
        return new NatsQueueBrowser(management, queue, settings);
    }

    @Override
    public Consumer tail(Destination topic, DeliverySink sink) {
        ensureOpen();
        if (topic.isQueue()) {
            throw new IllegalArgumentException("only a topic can be tailed: " + topic);
        }
        return NatsTail.start(connection, topic, sink, REQUEST_TIMEOUT, settings.address());
    }

    @Override
    public ConnectionState state() {
        if (closed.get()) {
            return new ConnectionState(HealthStatus.CLOSED, "closed");
        }
        return switch (connection.getStatus()) {
            case CONNECTED -> {
                String deaf = unanswered;
                String delayProblem = delays.problem();
                yield deaf != null ? new ConnectionState(HealthStatus.RECONNECTING, deaf)
                        : delayProblem != null ? new ConnectionState(HealthStatus.DEGRADED, delayProblem)
                        : ConnectionState.UP;
            }
            case DISCONNECTED, RECONNECTING -> new ConnectionState(HealthStatus.RECONNECTING,
                    "connection to " + settings.address() + " lost; reconnecting");
            case CLOSED -> new ConnectionState(HealthStatus.FAILED, "connection to " + settings.address() + " closed");
            default -> new ConnectionState(HealthStatus.RECONNECTING, "connecting to " + settings.address());
        };
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        delays.stopFetching();
        List<NatsConsumer> open = List.copyOf(consumers);
        open.forEach(NatsConsumer::close);
        awaitGone(open);
        delays.close();
        try {
            connection.flush(CLOSE_FLUSH);
        } catch (TimeoutException | RuntimeException e) {
            log.warn("Could not flush acknowledgements to NATS at {} before closing: {}", settings.address(),
                    settings.scrub(e.toString()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        watch.shutdownNow();
        closeQuietly(connection);
        timers.shutdownNow();
        log.info("Closed NATS connection to {}", settings.address());
    }

    /**
     * Pings the server (a flush waits for its PONG). jnats reads the answer on its reader thread;
     * when that thread has stopped (it ends silently on input it cannot parse) or the server no
     * longer answers, the connection still says it is connected until jnats' own pings give up
     * (about 30 s). Meanwhile health reports the connection as not usable, with the reason.
     */
    private void checkAnswers() {
        if (closed.get() || connection.getStatus() != Connection.Status.CONNECTED) {
            unanswered = null;
            return;
        }
        try {
            connection.flush(LIVENESS_TIMEOUT);
            if (unanswered != null) {
                log.info("NATS at {} answers again", settings.address());
                unanswered = null;
            }
        } catch (TimeoutException e) {
            if (unanswered == null && !closed.get()) {
                unanswered = "connected to " + settings.address() + " but no answer to a ping within "
                        + LIVENESS_TIMEOUT.toSeconds() + " s; messages are not being received until the client reconnects";
                log.warn("{}", unanswered);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            log.debug("Could not ping NATS at {}: {}", settings.address(), settings.scrub(e.toString()));
        }
    }

    /**
     * Waits (at most {@link #CLOSE_LINGER}) until every consumer's subscription is gone: each drains
     * (unsubscribes, then handles what the server sent before) and gives back what arrived late and
     * what is unsettled; closing the connection first would lose those NAKs, and hold the messages
     * until the ack wait ends. Each drain costs a round trip (one after another, on the timer thread).
     */
    private void awaitGone(List<NatsConsumer> open) {
        if (open.isEmpty()) {
            return;
        }
        try {
            CompletableFuture.allOf(open.stream().map(NatsConsumer::gone).toArray(CompletableFuture[]::new))
                    .get(CLOSE_LINGER.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            log.debug("Closing NATS connection to {} with {} subscription(s) still draining", settings.address(),
                    open.stream().filter(c -> !c.gone().isDone()).count());
        } catch (ExecutionException e) {
            log.debug("A subscription failed to drain before closing", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "NatsTransport[" + settings.address() + "]";
    }

    /** Creates the stream of {@code destination} unless it exists; checks an existing one matches. */
    private void ensureStream(Destination destination) {
        Route route = (destination.isQueue() ? QUEUE_ROUTES : TOPIC_ROUTES).get(destination.name());
        String stream = route.stream();
        if (knownStreams.contains(stream)) {
            return;
        }
        StreamConfiguration wanted = StreamConfiguration.builder()
                .name(stream)
                .description("Courier " + destination + (destination.ephemeral() ? " (deleted when its bus closes)" : ""))
                .subjects(NatsNames.subject(destination))
                .retentionPolicy(destination.isQueue() ? RetentionPolicy.WorkQueue : RetentionPolicy.Interest)
                .storageType(settings.storage() == NatsSettings.Storage.MEMORY ? StorageType.Memory : StorageType.File)
                .replicas(settings.replicas())
                .maxAge(settings.maxAge())
                .discardPolicy(DiscardPolicy.Old)
                .build();
        try {
            try {
                checkStream(destination, management.getStreamInfo(stream).getConfiguration(), wanted);
            } catch (JetStreamApiException e) {
                if (e.getApiErrorCode() != STREAM_NOT_FOUND) {
                    throw e;
                }
                try {
                    management.addStream(wanted);
                    log.info("Created stream {} for {} on {}", stream, destination, settings.address());
                } catch (JetStreamApiException raced) {
                    if (raced.getApiErrorCode() != STREAM_NAME_IN_USE) {
                        throw raced;
                    }
                    checkStream(destination, management.getStreamInfo(stream).getConfiguration(), wanted);
                }
            }
        } catch (JetStreamApiException e) {
            throw new ConnectionException("NATS at " + settings.address() + " refused stream " + stream + " (subject "
                    + NatsNames.subject(destination) + ") for " + destination + ": " + settings.scrub(e.getMessage()), e);
        } catch (IOException e) {
            throw new ConnectionException("could not declare " + destination + " (stream " + stream + ") on NATS at "
                    + settings.address() + ": " + settings.scrub(e.getMessage()), e);
        }
        knownStreams.add(stream);
    }

    private void checkStream(Destination destination, StreamConfiguration existing, StreamConfiguration wanted) {
        boolean same = existing.getSubjects().equals(wanted.getSubjects())
                && existing.getRetentionPolicy() == wanted.getRetentionPolicy()
                && existing.getStorageType() == wanted.getStorageType()
                && existing.getReplicas() == wanted.getReplicas()
                && Objects.equals(orZero(existing.getMaxAge()), orZero(wanted.getMaxAge()));
        if (!same) {
            throw new ConnectionException("stream " + wanted.getName() + " for " + destination + " already exists on NATS at "
                    + settings.address() + " with another configuration: existing " + describe(existing) + ", wanted "
                    + describe(wanted) + "; delete the stream or connect with matching options");
        }
    }

    /** Creates the durable consumer of {@code spec} unless it exists; checks an existing one matches. */
    private ConsumerInfo ensureConsumer(ConsumerSpec spec) {
        Destination source = spec.source();
        String stream = NatsNames.stream(source);
        String durable = NatsNames.durable(source, spec.group());
        ConsumerConfiguration wanted = ConsumerConfiguration.builder()
                .durable(durable)
                .description(spec.group() == null ? "Courier workers of " + source : "Courier group " + spec.group() + " of " + source)
                .ackPolicy(AckPolicy.Explicit)
                .deliverPolicy(source.isQueue() ? DeliverPolicy.All : DeliverPolicy.New)
                .ackWait(settings.ackWait())
                .maxDeliver(-1)
                .maxAckPending(MAX_ACK_PENDING)
                .build();
        try {
            ConsumerInfo info;
            try {
                info = management.getConsumerInfo(stream, durable);
            } catch (JetStreamApiException e) {
                if (e.getApiErrorCode() != CONSUMER_NOT_FOUND) {
                    throw e;
                }
                info = management.addOrUpdateConsumer(stream, wanted);
                log.info("Created durable consumer {} on stream {} for {}", durable, stream, spec);
            }
            checkConsumer(spec, stream, info.getConsumerConfiguration(), wanted);
            return info;
        } catch (JetStreamApiException e) {
            throw new ConnectionException("NATS at " + settings.address() + " refused consumer " + durable + " on stream "
                    + stream + " for " + spec + ": " + settings.scrub(e.getMessage()), e);
        } catch (IOException e) {
            throw new ConnectionException("could not declare consumer " + durable + " on stream " + stream + " for "
                    + spec + " on NATS at " + settings.address() + ": " + settings.scrub(e.getMessage()), e);
        }
    }

    private void checkConsumer(ConsumerSpec spec, String stream, ConsumerConfiguration existing, ConsumerConfiguration wanted) {
        boolean same = existing.getAckPolicy() == wanted.getAckPolicy()
                && existing.getDeliverPolicy() == wanted.getDeliverPolicy()
                && Objects.equals(existing.getAckWait(), wanted.getAckWait())
                && (existing.getFilterSubject() == null || existing.getFilterSubject().isEmpty());
        if (!same) {
            throw new ConnectionException("consumer " + wanted.getDurable() + " on stream " + stream + " for " + spec
                    + " already exists on NATS at " + settings.address() + " with another configuration: existing "
                    + describe(existing) + ", wanted " + describe(wanted)
                    + "; delete the consumer or connect with matching options (ackWait)");
        }
    }

    private PublishException publishFailure(Envelope envelope, String stream, Throwable failure) {
        Throwable cause = failure;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException
                || (cause instanceof RuntimeException && cause.getClass() == RuntimeException.class))
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        String reason;
        String text = settings.scrub(String.valueOf(cause.getMessage()));
        if (text.contains("503") || text.contains("No Responders")) {
            reason = "no JetStream stream listens on " + NatsNames.subject(envelope.destination()) + " (stream " + stream
                    + " missing; declare the destination again)";
        } else if (cause instanceof TimeoutException || cause instanceof CancellationException) {
            reason = "no PubAck from the server (disconnected or overloaded)";
        } else if (cause instanceof IllegalStateException) {
            reason = "the connection is closed or not usable: " + text;
        } else if (cause instanceof IllegalArgumentException) {
            reason = "the message was refused by the client: " + text;
        } else {
            reason = text;
        }
        return new PublishException("could not publish message " + envelope.id() + " to " + envelope.destination()
                + " on NATS at " + settings.address() + ": " + reason, cause);
    }

    private void ensureOpen() {
        if (closed.get()) {
            throw new IllegalStateException("the NATS transport for " + settings.address() + " is closed");
        }
    }

    private static Duration orZero(Duration duration) {
        return duration == null ? Duration.ZERO : duration;
    }

    private static String describe(StreamConfiguration c) {
        return "{subjects=" + c.getSubjects() + ", retention=" + c.getRetentionPolicy() + ", storage="
                + c.getStorageType() + ", replicas=" + c.getReplicas() + ", maxAge=" + NatsSettings.format(c.getMaxAge()) + "}";
    }

    private static String describe(ConsumerConfiguration c) {
        return "{ackPolicy=" + c.getAckPolicy() + ", deliverPolicy=" + c.getDeliverPolicy() + ", ackWait=" + NatsSettings.format(c.getAckWait())
                + (c.getFilterSubject() == null || c.getFilterSubject().isEmpty() ? "" : ", filter=" + c.getFilterSubject())
                + "}";
    }

    private static void closeQuietly(Connection connection) {
        try {
            connection.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            log.debug("Error while closing NATS connection", e);
        }
    }

    /** Where {@link #send} publishes a destination's messages. */
    private record Route(String stream, String subject) {
        static Route of(Destination destination) {
            return new Route(NatsNames.stream(destination), NatsNames.subject(destination));
        }
    }
}
