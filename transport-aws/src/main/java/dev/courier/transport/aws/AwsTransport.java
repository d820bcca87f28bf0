package dev.courier.transport.aws;

import dev.courier.api.ConnectionException;
import dev.courier.api.HealthStatus;
import dev.courier.api.PublishException;
import dev.courier.spi.AckDeadline;
import dev.courier.spi.Capabilities;
import dev.courier.spi.ConnectionState;
import dev.courier.spi.Consumer;
import dev.courier.spi.ConsumerSpec;
import dev.courier.spi.DeliverySink;
import dev.courier.spi.Destination;
import dev.courier.spi.Envelope;
import dev.courier.spi.QueueBrowser;
import dev.courier.spi.Transport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.async.SdkAsyncHttpClient;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.http.nio.netty.SdkEventLoopGroup;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.retries.api.RetryStrategy;
import software.amazon.awssdk.services.sns.SnsAsyncClient;
import software.amazon.awssdk.services.sns.model.PublishBatchRequestEntry;
import software.amazon.awssdk.services.sns.model.PublishBatchResponse;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.BatchResultErrorEntry;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueDoesNotExistException;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

/**
 * A {@link Transport} over SNS and SQS with the AWS SDK's asynchronous clients.
 *
 * <p>Mapping (names by {@link AwsNames}, messages by {@link AwsMessages}): a topic is a FIFO SNS
 * topic; a group is a FIFO SQS queue subscribed to it with raw message delivery; a work queue is a
 * FIFO SQS queue; the message group id is the key, so one key's messages arrive in order and
 * different keys in parallel. Sends, deletes (acks) and visibility changes (give-backs, progress)
 * go in batch calls ({@link AwsBatcher}). Each consumer long-polls on a thread of its own
 * ({@link AwsConsumer}); core extends a running handler's visibility timeout
 * ({@link AckDeadline#coreExtends}).
 *
 * <p>A message due later waits in the standard SQS queue of {@link AwsDelayQueue}, whose forwarder
 * (started by a delayed send, or by {@code consume} once that queue exists) publishes it through
 * {@link #forward} when due.
 *
 * <p>HTTP has no connection to lose: {@link #state()} says {@code RECONNECTING} while the last
 * call failed for want of an answer, and {@code UP} again after one succeeds. Secrets never
 * appear in messages: SDK messages go through {@link AwsSettings#scrub}. Thread safe.
 */
final class AwsTransport implements Transport {

    private static final Logger log = LoggerFactory.getLogger(AwsTransport.class);

    /** SNS's and SQS's limit for one message: body and attributes. */
    static final long MAX_WIRE_BYTES = 256 * 1024;
    /** What the CloudEvents attributes, the key and the encoding marker may take of it. */
    static final long ATTRIBUTE_MARGIN = 8 * 1024;
    /** What the user headers may take, as UTF-8; packed they take at most three times as much. */
    static final long MAX_HEADER_BYTES = 8 * 1024;
    /** The largest payload: whatever the base64 of the rest fits in. */
    static final long MAX_PAYLOAD_BYTES = (MAX_WIRE_BYTES - ATTRIBUTE_MARGIN - 3 * MAX_HEADER_BYTES) / 4 * 3;
    /**
     * Batch calls running at once per queue, for visibility changes. Changes of different messages
     * may go in any order; those of one message go one after the other ({@link #changeVisibility}).
     */
    private static final int CALLS_PER_TARGET = 8;
    /**
     * Delete (ack) calls running at once per queue. Acks of one received batch come in a burst, and
     * an ack goes out at once while fewer calls than this run: with 8, most acks went alone, one call
     * each; with 2, a burst of 10 takes 2 or 3 calls. A FIFO message group is handed out again only
     * once all its received messages are deleted, so fewer, fuller calls also free groups sooner.
     */
    private static final int DELETE_CALLS_PER_QUEUE = 2;
    /**
     * Lanes of sends per topic or queue: a message goes into the lane of its message group id, and
     * each lane has one call running at a time, so one key's messages reach SNS or SQS in publish order.
     */
    private static final int SEND_LANES = 32;
    /**
     * Attempts of one API call in all, the first included, for errors the SDK deems transient (an
     * I/O error such as a connection reset or a connect timeout, a 5xx, throttling); never longer
     * than the API timeout in all. The SDK's standard mode makes 3.
     */
    static final int MAX_ATTEMPTS = 6;
    /**
     * Waits between attempts: 200 ms doubling to 10 s, each between half and all of that (half
     * jitter), so the retries of a burst of failed calls spread out but always wait: 0.1-0.2 s
     * before the second attempt, 1.6-3.2 s before the sixth, 6.2 s at most in all.
     */
    static final BackoffStrategy BACKOFF = BackoffStrategy.exponentialDelayHalfJitter(Duration.ofMillis(200),
            Duration.ofSeconds(10));
    /** HTTP connections to the endpoint at most: calls beyond wait for one, within the API timeout. */
    static final int MAX_CONNECTIONS = 256;
    /** How long the HTTP client's threads may take to end after close. */
    private static final Duration EVENT_LOOPS_SHUTDOWN = Duration.ofSeconds(5);

    private final AwsSettings settings;
    private final SdkAsyncHttpClient http;
    /** The HTTP client's threads, this transport's own ({@link #closeClients}). */
    private final SdkEventLoopGroup eventLoops;
    private final SnsAsyncClient sns;
    private final SqsAsyncClient sqs;
    private final Capabilities capabilities;
    private final Map<String, String> topicArns = new ConcurrentHashMap<>();
    private final Map<String, String> queueUrls = new ConcurrentHashMap<>();
    private final Set<AwsConsumer> consumers = ConcurrentHashMap.newKeySet();
    /** Calls under way (sends, deletes, visibility changes), which close lets finish first. */
    private final Set<CompletableFuture<Void>> pending = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AwsBatcher<AwsMessages.Wire> topicSends;
    private final AwsBatcher<AwsMessages.Wire> queueSends;
    /** Receipt handles to delete (acks). */
    private final AwsBatcher<String> deletes;
    /** Receipt handles with their new visibility timeout in seconds (give-backs and progress). */
    private final AwsBatcher<Map.Entry<String, Integer>> visibility;
    /** Per message ({@code <queue URL> <receipt handle>}) with a visibility change under way: what waits. */
    private final Map<String, VisibilityChange> visibilityChanges = new HashMap<>();
    /** Why the last call got no answer, or {@code null} while calls succeed. */
    private volatile String unreachable;
    /** Messages due later, held in a standard SQS queue until due. */
    private final AwsDelayQueue delays;

    private AwsTransport(AwsSettings settings, SdkEventLoopGroup eventLoops, SdkAsyncHttpClient http, SnsAsyncClient sns,
                         SqsAsyncClient sqs, int maxHopSeconds) {
        this.settings = settings;
        this.eventLoops = eventLoops;
        this.http = http;
        this.sns = sns;
        this.sqs = sqs;
        this.capabilities = new Capabilities(MAX_PAYLOAD_BYTES)
                .withHeaderLimits(Capabilities.UNLIMITED_HEADERS, MAX_HEADER_BYTES)
                .withNames(AwsNames.RULE)
                .withFeatures(Capabilities.Feature.EPHEMERAL_DESTINATIONS)
                .withAckDeadline(AckDeadline.coreExtends(settings.visibilityTimeout()))
                .withDelayedDelivery(AwsDelayQueue.GRANULARITY, AwsDelayQueue.MAX_DELAY);
        this.topicSends = new AwsBatcher<>(1, this::publishBatch);
        this.queueSends = new AwsBatcher<>(1, this::sendBatch);
        this.deletes = new AwsBatcher<>(DELETE_CALLS_PER_QUEUE, this::deleteBatch);
        this.visibility = new AwsBatcher<>(CALLS_PER_TARGET, this::visibilityBatch);
        this.delays = new AwsDelayQueue(this, settings, sqs, maxHopSeconds);
    }

    /**
     * Builds the clients and checks that SQS answers.
     *
     * @throws ConnectionException naming the region and endpoint when SQS does not answer in time or
     *                             refuses the credentials
     */
    static AwsTransport connect(AwsSettings settings) {
        return connect(settings, AwsDelayQueue.MAX_HOP_SECONDS);
    }

    /** As {@link #connect(AwsSettings)}, with delayed messages hopping at most {@code maxHopSeconds} at a time (tests). */
    static AwsTransport connect(AwsSettings settings, int maxHopSeconds) {
        Objects.requireNonNull(settings, "settings");
        AwsCredentialsProvider credentials = settings.accessKeyId() == null
                ? DefaultCredentialsProvider.builder().build()
                : StaticCredentialsProvider.create(settings.sessionToken() == null
                ? AwsBasicCredentials.create(settings.accessKeyId(), settings.secretAccessKey())
                : AwsSessionCredentials.create(settings.accessKeyId(), settings.secretAccessKey(), settings.sessionToken()));
        // A call waiting for a connection is bounded by the API timeout, not by the pool's 10 s of its
        // own, which under a burst failed calls queued behind the 256 running before they started.
        // The event loops are the transport's own: the SDK's shared ones, shut down by the client,
        // kept every close of the last client waiting out a 2 s quiet period.
        SdkEventLoopGroup eventLoops = SdkEventLoopGroup.builder().build();
        SdkAsyncHttpClient http = NettyNioAsyncHttpClient.builder()
                .eventLoopGroup(eventLoops)
                .maxConcurrency(MAX_CONNECTIONS)
                .connectionAcquisitionTimeout(settings.apiTimeout())
                .connectionTimeout(Duration.ofSeconds(5))
                .readTimeout(settings.waitTime().plus(settings.apiTimeout()))
                .build();
        ClientOverrideConfiguration override = ClientOverrideConfiguration.builder()
                .apiCallTimeout(settings.apiTimeout())
                .retryStrategy(retryStrategy())
                .build();
        Region region = Region.of(settings.region());
        var snsBuilder = SnsAsyncClient.builder().region(region).credentialsProvider(credentials).httpClient(http)
                .overrideConfiguration(override);
        var sqsBuilder = SqsAsyncClient.builder().region(region).credentialsProvider(credentials).httpClient(http)
                .overrideConfiguration(override);
        if (settings.endpoint() != null) {
            snsBuilder.endpointOverride(settings.endpoint());
            sqsBuilder.endpointOverride(settings.endpoint());
        }
        SnsAsyncClient sns = snsBuilder.build();
        SqsAsyncClient sqs = sqsBuilder.build();
        AwsTransport transport = new AwsTransport(settings, eventLoops, http, sns, sqs, maxHopSeconds);
        try {
            transport.await(sqs.listQueues(r -> r.maxResults(1)), "list queues");
        } catch (RuntimeException e) {
            transport.closeClients();
            throw new ConnectionException("could not reach SQS at " + settings.address() + " within "
                    + settings.apiTimeout().toMillis() + " ms: " + settings.scrub(reason(e)), e);
        }
        log.info("Connected to SNS and SQS at {} ({})", settings.address(), settings);
        return transport;
    }

    /**
     * The SDK's standard retry strategy (what it retries: I/O errors, 5xx, throttling) with
     * {@link #MAX_ATTEMPTS} and {@link #BACKOFF}, and without its circuit breaker. That breaker
     * (a quota of 500 per client, 5 taken per retry, given back on success) stops retrying once
     * about 100 calls are failing at once: a burst of connection resets then failed every call after
     * one or two attempts, however short the burst. Courier bounds the calls it makes at once
     * (send lanes, batch calls per queue, the delay queue's puts), so retries cannot snowball past
     * those bounds, and the API timeout still ends each call.
     */
    static RetryStrategy retryStrategy() {
        return AwsRetryStrategy.standardRetryStrategy().toBuilder()
                .maxAttempts(MAX_ATTEMPTS)
                .backoffStrategy(BACKOFF)
                .circuitBreakerEnabled(false)
                .build();
    }

    @Override
    public Capabilities capabilities() {
        return capabilities;
    }

    @Override
    public void declare(Destination destination) {
        ensureOpen();
        if (destination.isQueue()) {
            queueUrl(AwsNames.queue(destination, null), destination);
        } else {
            topicArn(destination);
        }
    }

    /** Deletes the SQS queue of a temporary queue, with its messages. */
    @Override
    public void remove(Destination destination) {
        ensureOpen();
        if (!destination.ephemeral() || !destination.isQueue()) {
            throw new IllegalArgumentException(destination + " is not a temporary queue; only those are removed");
        }
        deleteQueue(AwsNames.queue(destination, null), destination.toString());
    }

    /** Deletes the SQS queue {@code name} (of {@code what}) with its messages; gone already is fine. */
    void deleteQueue(String name, String what) {
        String url = queueUrls.remove(name);
        try {
            if (url == null) {
                url = await(sqs.getQueueUrl(r -> r.queueName(name)), "find queue " + name).queueUrl();
            }
            String found = url;
            await(sqs.deleteQueue(r -> r.queueUrl(found)), "delete queue " + name);
            log.info("Deleted queue {} of {} at {}", name, what, settings.address());
        } catch (CompletionException e) {
            if (!(unwrap(e.getCause()) instanceof QueueDoesNotExistException)) {
                throw new ConnectionException("could not delete queue " + name + " of " + what + " at "
                        + settings.address() + ": " + settings.scrub(reason(e)), e);
            }
        }
    }

    @Override
    public CompletionStage<Void> send(Envelope envelope) {
        Destination destination = envelope.destination();
        if (closed.get()) {
            return CompletableFuture.failedFuture(new PublishException("could not publish message " + envelope.id()
                    + " to " + destination + ": the AWS transport for " + settings.address() + " is closed"));
        }
        AwsMessages.Wire wire = AwsMessages.toWire(envelope, settings.envelope());
        long size = wire.size();
        if (size > MAX_WIRE_BYTES) {
            return CompletableFuture.failedFuture(new PublishException("could not publish message " + envelope.id()
                    + " to " + destination + ": it takes " + size + " bytes with its attributes, SNS and SQS take at most "
                    + MAX_WIRE_BYTES));
        }
        CompletableFuture<Void> sent;
        if (envelope.deliverAt() != null && envelope.deliverAt().isAfter(java.time.Instant.now())) {
            sent = delays.hold(wire, envelope.deliverAt(), destination.isQueue(), destination.isQueue()
                    ? AwsNames.queue(destination, null) : AwsNames.topic(destination));
        } else if (destination.isQueue()) {
            String name = AwsNames.queue(destination, null);
            String url = queueUrls.get(name);
            sent = url != null ? queueSends.add(lane(url, wire), wire, size)
                    : lookUpQueue(name).thenCompose(found -> queueSends.add(lane(found, wire), wire, size));
        } else {
            String arn = topicArns.get(AwsNames.topic(destination));
            sent = arn != null ? topicSends.add(lane(arn, wire), wire, size)
                    : CompletableFuture.supplyAsync(() -> topicArn(destination))
                    .thenCompose(found -> topicSends.add(lane(found, wire), wire, size));
        }
        return published(envelope, sent);
    }

    /** Tracks {@code sent} until it completes, failing it with a {@link PublishException} naming the message. */
    private CompletableFuture<Void> published(Envelope envelope, CompletableFuture<Void> sent) {
        return track(sent).handle((done, failure) -> {
            if (failure != null) {
                Throwable cause = unwrap(failure);
                throw new CompletionException(cause instanceof PublishException ? cause
                        : new PublishException("could not publish message " + envelope.id() + " to " + envelope.destination()
                        + " at " + settings.address() + ": " + settings.scrub(reason(cause)), cause));
            }
            return null;
        });
    }

    /**
     * Queues the whole batch on its send lanes before any call goes, so it leaves in full
     * {@code SendMessageBatch} / {@code PublishBatch} calls (10 entries each) instead of a first
     * call of one. A batch this transport cannot queue at once (a message due later, one too
     * large, a destination it has not resolved yet) goes one by one, as {@link #send} does.
     */
    @Override
    public List<CompletionStage<Void>> sendAll(List<Envelope> envelopes) {
        if (closed.get() || envelopes.isEmpty()) {
            return Transport.super.sendAll(envelopes);
        }
        List<String> lanes = new ArrayList<>(envelopes.size());
        List<AwsMessages.Wire> wires = new ArrayList<>(envelopes.size());
        List<Long> sizes = new ArrayList<>(envelopes.size());
        boolean queues = envelopes.get(0).destination().isQueue();
        for (Envelope envelope : envelopes) {
            Destination destination = envelope.destination();
            AwsMessages.Wire wire = AwsMessages.toWire(envelope);
            String target = destination.isQueue() ? queueUrls.get(AwsNames.queue(destination, null))
                    : topicArns.get(AwsNames.topic(destination));
            if (envelope.deliverAt() != null || wire.size() > MAX_WIRE_BYTES || target == null
                    || destination.isQueue() != queues) {
                return Transport.super.sendAll(envelopes);
            }
            lanes.add(lane(target, wire));
            wires.add(wire);
            sizes.add(wire.size());
        }
        List<CompletableFuture<Void>> sent = (queues ? queueSends : topicSends).addAll(lanes, wires, sizes);
        List<CompletionStage<Void>> stages = new ArrayList<>(envelopes.size());
        for (int i = 0; i < envelopes.size(); i++) {
            stages.add(published(envelopes.get(i), sent.get(i)));
        }
        return stages;
    }

    /**
     * Publishes a due delayed message to the topic or queue of that SNS or SQS name exactly as
     * {@link #send} would (same lane, group id and deduplication id); for {@link AwsDelayQueue}.
     */
    CompletableFuture<Void> forward(boolean queue, String name, AwsMessages.Wire wire) {
        long size = wire.size();
        if (queue) {
            String url = queueUrls.get(name);
            return track(url != null ? queueSends.add(lane(url, wire), wire, size)
                    : lookUpQueue(name).thenCompose(found -> queueSends.add(lane(found, wire), wire, size)));
        }
        String arn = topicArns.get(name);
        return track(arn != null ? topicSends.add(lane(arn, wire), wire, size)
                : sns.createTopic(r -> r.name(name).attributes(Map.of("FifoTopic", "true", "ContentBasedDeduplication",
                "false"))).thenCompose(created -> {
                    topicArns.put(name, created.topicArn());
                    return topicSends.add(lane(created.topicArn(), wire), wire, size);
                }));
    }

    /** The send lane of {@code wire} to {@code target}: {@code <target> <lane number>}. */
    private static String lane(String target, AwsMessages.Wire wire) {
        return target + " " + Math.floorMod(wire.groupId().hashCode(), SEND_LANES);
    }

    /** The topic ARN or queue URL of a send lane. */
    private static String target(String lane) {
        return lane.substring(0, lane.lastIndexOf(' '));
    }

    /**
     * The URL of a queue this transport did not declare (another bus's temporary reply queue, say),
     * found without blocking the caller.
     */
    private CompletableFuture<String> lookUpQueue(String name) {
        return sqs.getQueueUrl(r -> r.queueName(name)).thenApply(found -> {
            queueUrls.put(name, found.queueUrl());
            return found.queueUrl();
        });
    }

    /** Deletes a received message (an ack), in a batch call. */
    CompletableFuture<Void> delete(String queueUrl, String receiptHandle) {
        return track(deletes.add(queueUrl, receiptHandle, receiptHandle.length()));
    }

    /**
     * Sets a received message's visibility timeout (0 gives it back), in a batch call. The changes of
     * one message take effect in the order asked for, the last one winning: SQS applies concurrent
     * calls in any order, and an extension that overtook a give-back hid a message handed back at
     * close for another visibility timeout. So while a change of a message is under way, a newer one
     * waits, replacing any that waited already (which then completes with it).
     */
    CompletableFuture<Void> changeVisibility(String queueUrl, String receiptHandle, int seconds) {
        CompletableFuture<Void> changed = new CompletableFuture<>();
        String message = queueUrl + " " + receiptHandle;
        boolean now;
        synchronized (visibilityChanges) {
            VisibilityChange running = visibilityChanges.get(message);
            now = running == null;
            if (now) {
                visibilityChanges.put(message, new VisibilityChange());
            } else {
                running.next = seconds;
                running.waiting.add(changed);
            }
        }
        if (now) {
            sendVisibility(queueUrl, receiptHandle, seconds, List.of(changed));
        }
        return track(changed);
    }

    /** The newest visibility change of one message asked for while one was under way, and who waits for it. */
    private static final class VisibilityChange {
        Integer next;
        final List<CompletableFuture<Void>> waiting = new java.util.ArrayList<>();
    }

    private void sendVisibility(String queueUrl, String receiptHandle, int seconds, List<CompletableFuture<Void>> waiting) {
        String message = queueUrl + " " + receiptHandle;
        visibility.add(queueUrl, Map.entry(receiptHandle, seconds), receiptHandle.length()).whenComplete((done, failure) -> {
            VisibilityChange queued;
            synchronized (visibilityChanges) {
                queued = visibilityChanges.remove(message);
                if (queued != null && queued.next != null) {
                    visibilityChanges.put(message, new VisibilityChange());
                }
            }
            waiting.forEach(change -> {
                if (failure == null) {
                    change.complete(null);
                } else {
                    change.completeExceptionally(failure);
                }
            });
            if (queued != null && queued.next != null) {
                sendVisibility(queueUrl, receiptHandle, queued.next, List.copyOf(queued.waiting));
            }
        });
    }

    private CompletableFuture<Void> track(CompletableFuture<Void> call) {
        pending.add(call);
        call.whenComplete((done, failure) -> pending.remove(call));
        return call;
    }

    @Override
    public Consumer consume(ConsumerSpec spec, DeliverySink sink) {
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(sink, "sink");
        ensureOpen();
        Destination source = spec.source();
        String queueName = AwsNames.queue(source, spec.group());
        String url = queueUrl(queueName, source);
        if (!source.isQueue()) {
            subscribe(topicArn(source), queueName, url, spec);
        }
        return startConsumer(spec, sink, url);
    }

    private AwsConsumer startConsumer(ConsumerSpec spec, DeliverySink sink, String url) {
        AwsConsumer consumer = new AwsConsumer(spec, sink, url, settings, sqs, this);
        consumers.add(consumer);
        consumer.gone().whenComplete((done, failed) -> consumers.remove(consumer));
        consumer.start();
        delays.forwardIfPresent();
        return consumer;
    }

    /** Reads the work queue {@code queue} without consuming it ({@link AwsQueueBrowser}). */
    @Override
    public QueueBrowser browse(Destination queue) {
        ensureOpen();
        if (!queue.isQueue()) {
            throw new IllegalArgumentException("only a queue can be browsed: " + queue);
        }
        return new AwsQueueBrowser(this, sqs, queue);
    }

    /**
     * Subscribes a queue of its own to {@code topic}, as a group with a random name, and consumes
     * it; closing deletes the subscription and the queue ({@link AwsTail}).
     */
    @Override
    public Consumer tail(Destination topic, DeliverySink sink) {
        Objects.requireNonNull(sink, "sink");
        ensureOpen();
        if (topic.isQueue()) {
            throw new IllegalArgumentException("only a topic can be tailed: " + topic);
        }
        ConsumerSpec spec = new ConsumerSpec(topic, AwsTail.group(), AwsBatcher.MAX_ENTRIES);
        String queueName = AwsNames.queue(topic, spec.group());
        String url = queueUrl(queueName, topic);
        String subscription;
        try {
            subscription = subscribe(topicArn(topic), queueName, url, spec);
        } catch (RuntimeException e) {
            deleteQueue(queueName, spec.toString());
            throw e;
        }
        return new AwsTail(this, spec, queueName, subscription, startConsumer(spec, sink, url));
    }

    /** Deletes the subscription {@code subscriptionArn}; gone already is fine. */
    void unsubscribe(String subscriptionArn) {
        try {
            await(sns.unsubscribe(r -> r.subscriptionArn(subscriptionArn)), "unsubscribe " + subscriptionArn);
        } catch (CompletionException e) {
            if (!(unwrap(e.getCause()) instanceof software.amazon.awssdk.services.sns.model.NotFoundException)) {
                throw new ConnectionException("could not delete the subscription " + subscriptionArn + " at "
                        + settings.address() + ": " + settings.scrub(reason(e)), e);
            }
        }
    }

    /**
     * Lets SNS write to the group's queue and subscribes it with raw delivery; both idempotent.
     * Returns the subscription's ARN.
     */
    private String subscribe(String topicArn, String queueName, String queueUrl, ConsumerSpec spec) {
        try {
            String queueArn = await(sqs.getQueueAttributes(r -> r.queueUrl(queueUrl)
                    .attributeNames(QueueAttributeName.QUEUE_ARN)), "read queue " + queueName)
                    .attributes().get(QueueAttributeName.QUEUE_ARN);
            String policy = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"courier-sns\",\"Effect\":\"Allow\","
                    + "\"Principal\":{\"Service\":\"sns.amazonaws.com\"},\"Action\":\"sqs:SendMessage\",\"Resource\":\""
                    + queueArn + "\",\"Condition\":{\"ArnEquals\":{\"aws:SourceArn\":\"" + topicArn + "\"}}}]}";
            await(sqs.setQueueAttributes(r -> r.queueUrl(queueUrl).attributes(Map.of(QueueAttributeName.POLICY, policy))),
                    "set the policy of queue " + queueName);
            return await(sns.subscribe(r -> r.topicArn(topicArn).protocol("sqs").endpoint(queueArn)
                    .attributes(Map.of("RawMessageDelivery", "true")).returnSubscriptionArn(true)),
                    "subscribe queue " + queueName).subscriptionArn();
        } catch (RuntimeException e) {
            throw new ConnectionException("could not subscribe queue " + queueName + " to topic " + topicArn + " for "
                    + spec + " at " + settings.address() + ": " + settings.scrub(reason(e)), e);
        }
    }

    private String topicArn(Destination topic) {
        String name = AwsNames.topic(topic);
        String arn = topicArns.get(name);
        if (arn != null) {
            return arn;
        }
        try {
            arn = await(sns.createTopic(r -> r.name(name).attributes(Map.of("FifoTopic", "true",
                    "ContentBasedDeduplication", "false"))), "create topic " + name).topicArn();
        } catch (RuntimeException e) {
            throw new ConnectionException("could not declare " + topic + " (SNS topic " + name + ") at "
                    + settings.address() + ": " + settings.scrub(reason(e)), e);
        }
        topicArns.put(name, arn);
        return arn;
    }

    private String queueUrl(String name, Destination source) {
        String url = queueUrls.get(name);
        if (url != null) {
            return url;
        }
        Map<QueueAttributeName, String> attributes = new HashMap<>();
        attributes.put(QueueAttributeName.FIFO_QUEUE, "true");
        attributes.put(QueueAttributeName.CONTENT_BASED_DEDUPLICATION, "false");
        attributes.put(QueueAttributeName.DEDUPLICATION_SCOPE, "messageGroup");
        attributes.put(QueueAttributeName.FIFO_THROUGHPUT_LIMIT, "perMessageGroupId");
        try {
            url = await(sqs.createQueue(r -> r.queueName(name).attributes(attributes)), "create queue " + name).queueUrl();
        } catch (RuntimeException e) {
            throw new ConnectionException("could not declare the SQS queue " + name + " for " + source + " at "
                    + settings.address() + ": " + settings.scrub(reason(e)), e);
        }
        queueUrls.put(name, url);
        log.debug("Declared queue {} for {} at {}", name, source, settings.address());
        return url;
    }

    // Batch calls -----------------------------------------------------------------------------------

    private void publishBatch(String lane, List<AwsBatcher.Entry<AwsMessages.Wire>> batch) {
        List<PublishBatchRequestEntry> entries = new java.util.ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            AwsMessages.Wire wire = batch.get(i).item();
            Map<String, software.amazon.awssdk.services.sns.model.MessageAttributeValue> attributes = new HashMap<>();
            wire.attributes().forEach((name, value) -> attributes.put(name,
                    software.amazon.awssdk.services.sns.model.MessageAttributeValue.builder().dataType("String")
                            .stringValue(value).build()));
            entries.add(PublishBatchRequestEntry.builder().id(Integer.toString(i)).message(wire.body())
                    .messageAttributes(attributes).messageGroupId(wire.groupId())
                    .messageDeduplicationId(AwsMessages.deduplicationId(wire)).build());
        }
        track(sns.publishBatch(r -> r.topicArn(target(lane)).publishBatchRequestEntries(entries)), lane, batch, topicSends,
                response -> failures(response));
    }

    private static Map<String, String> failures(PublishBatchResponse response) {
        Map<String, String> failed = new HashMap<>();
        response.failed().forEach(f -> failed.put(f.id(), f.code() + ": " + f.message()));
        return failed;
    }

    /** The entries an SQS batch call refused: entry id to reason. */
    private static Map<String, String> sqsFailures(List<BatchResultErrorEntry> refused) {
        Map<String, String> failed = new HashMap<>();
        refused.forEach(f -> failed.put(f.id(), f.code() + ": " + f.message()));
        return failed;
    }

    private void sendBatch(String lane, List<AwsBatcher.Entry<AwsMessages.Wire>> batch) {
        List<SendMessageBatchRequestEntry> entries = new java.util.ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            AwsMessages.Wire wire = batch.get(i).item();
            Map<String, MessageAttributeValue> attributes = new HashMap<>();
            wire.attributes().forEach((name, value) -> attributes.put(name,
                    MessageAttributeValue.builder().dataType("String").stringValue(value).build()));
            entries.add(SendMessageBatchRequestEntry.builder().id(Integer.toString(i)).messageBody(wire.body())
                    .messageAttributes(attributes).messageGroupId(wire.groupId())
                    .messageDeduplicationId(AwsMessages.deduplicationId(wire)).build());
        }
        track(sqs.sendMessageBatch(r -> r.queueUrl(target(lane)).entries(entries)), lane, batch, queueSends,
                response -> sqsFailures(response.failed()));
    }

    private void deleteBatch(String queueUrl, List<AwsBatcher.Entry<String>> batch) {
        List<DeleteMessageBatchRequestEntry> entries = new java.util.ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            entries.add(DeleteMessageBatchRequestEntry.builder().id(Integer.toString(i))
                    .receiptHandle(batch.get(i).item()).build());
        }
        track(sqs.deleteMessageBatch(r -> r.queueUrl(queueUrl).entries(entries)), queueUrl, batch, deletes,
                response -> sqsFailures(response.failed()));
    }

    private void visibilityBatch(String queueUrl, List<AwsBatcher.Entry<Map.Entry<String, Integer>>> batch) {
        List<ChangeMessageVisibilityBatchRequestEntry> entries = new java.util.ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            Map.Entry<String, Integer> item = batch.get(i).item();
            entries.add(ChangeMessageVisibilityBatchRequestEntry.builder().id(Integer.toString(i))
                    .receiptHandle(item.getKey()).visibilityTimeout(item.getValue()).build());
        }
        track(sqs.changeMessageVisibilityBatch(r -> r.queueUrl(queueUrl).entries(entries)), queueUrl, batch, visibility,
                response -> sqsFailures(response.failed()));
    }

    /** Completes each entry of {@code batch} from the outcome of its batch call, and frees the target. */
    private <T, R> void track(CompletableFuture<R> call, String target, List<AwsBatcher.Entry<T>> batch,
                              AwsBatcher<T> batcher, Function<R, Map<String, String>> failures) {
        call.whenComplete((response, failure) -> {
            try {
                if (failure != null) {
                    noteFailure(failure);
                    batch.forEach(entry -> entry.done().completeExceptionally(unwrap(failure)));
                    return;
                }
                noteSuccess();
                Map<String, String> failed = failures.apply(response);
                for (int i = 0; i < batch.size(); i++) {
                    String why = failed.get(Integer.toString(i));
                    if (why == null) {
                        batch.get(i).done().complete(null);
                    } else {
                        batch.get(i).done().completeExceptionally(new PublishException("refused by " + settings.address()
                                + ": " + settings.scrub(why)));
                    }
                }
            } finally {
                batcher.finished(target);
            }
        });
    }

    // State ---------------------------------------------------------------------------------------

    /** Records that a call got no answer ({@link #state()} says so until one succeeds). */
    void noteFailure(Throwable failure) {
        Throwable cause = unwrap(failure);
        if (!(cause instanceof AwsServiceException) && !closed.get()) {
            String why = "no answer from " + settings.address() + ": " + settings.scrub(reason(cause));
            if (unreachable == null) {
                log.warn("{}", why);
            }
            unreachable = why;
        }
    }

    /** Records that a call was answered. */
    void noteSuccess() {
        if (unreachable != null) {
            unreachable = null;
            log.info("{} answers again", settings.address());
        }
    }

    @Override
    public ConnectionState state() {
        if (closed.get()) {
            return new ConnectionState(HealthStatus.CLOSED, "closed");
        }
        String why = unreachable;
        if (why != null) {
            return new ConnectionState(HealthStatus.RECONNECTING, why);
        }
        String delayProblem = delays.problem();
        return delayProblem == null ? ConnectionState.UP : new ConnectionState(HealthStatus.DEGRADED, delayProblem);
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        List<AwsConsumer> open = List.copyOf(consumers);
        open.forEach(AwsConsumer::close);
        delays.close();
        try {
            CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new))
                    .get(settings.apiTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            log.debug("Closing the AWS transport for {} with sends unfinished: {}", settings.address(), e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeClients();
        log.info("Closed the AWS transport for {}", settings.address());
    }

    /**
     * Closes the clients, then ends the event loops without a quiet period (the SDK's own close
     * waits out 2 s of one): every call has ended or been given up by then, so nothing can arrive
     * for them to run. Their threads are daemons and end on their own, so close does not wait.
     */
    private void closeClients() {
        sns.close();
        sqs.close();
        http.close();
        eventLoops.eventLoopGroup().shutdownGracefully(0, EVENT_LOOPS_SHUTDOWN.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Waits for a control-plane call (declaring, subscribing), at most the API timeout and a bit. */
    <T> T await(CompletableFuture<T> call, String what) {
        try {
            T result = call.get(settings.apiTimeout().toMillis() + 5_000, TimeUnit.MILLISECONDS);
            noteSuccess();
            return result;
        } catch (ExecutionException e) {
            noteFailure(e.getCause());
            throw new CompletionException(what + ": " + settings.scrub(reason(e.getCause())), e.getCause());
        } catch (TimeoutException e) {
            call.cancel(true);
            throw new CompletionException(what + ": no answer in time", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            call.cancel(true);
            throw new CompletionException(what + ": interrupted", e);
        }
    }

    AwsSettings settings() {
        return settings;
    }

    private void ensureOpen() {
        if (closed.get()) {
            throw new IllegalStateException("the AWS transport for " + settings.address() + " is closed");
        }
    }

    static Throwable unwrap(Throwable failure) {
        Throwable cause = failure;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    /** A short reason: the SDK's message, without its request id noise where it has an error code. */
    static String reason(Throwable failure) {
        Throwable cause = unwrap(failure);
        if (cause instanceof AwsServiceException service && service.awsErrorDetails() != null) {
            return service.awsErrorDetails().errorCode() + ": " + service.awsErrorDetails().errorMessage();
        }
        if (cause instanceof CompletionException && cause.getMessage() != null) {
            return cause.getMessage();
        }
        return cause.getClass().getSimpleName() + ": " + cause.getMessage();
    }

    @Override
    public String toString() {
        return "AwsTransport[" + settings.address() + "]";
    }
}
