package dev.courier.transport.kafka;

import dev.courier.api.ConnectionException;
import dev.courier.api.HealthStatus;
import dev.courier.api.MessageTooLargeException;
import dev.courier.api.PublishException;
import dev.courier.spi.Capabilities;
import dev.courier.spi.ConnectionState;
import dev.courier.spi.Consumer;
import dev.courier.spi.ConsumerSpec;
import dev.courier.spi.DeliverySink;
import dev.courier.spi.Destination;
import dev.courier.spi.Envelope;
import dev.courier.spi.QueueBrowser;
import dev.courier.spi.ReplyPath;
import dev.courier.spi.Transport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A connection to a Kafka cluster: one admin client to create topics, one idempotent producer
 * shared by every publish, and one {@link KafkaGroupConsumer} (with its own poll thread) per
 * {@link #consume consume} call. Thread safe.
 *
 * <p>{@link #send} hands the record to the producer on the caller's thread and never waits for
 * the broker: the topic's metadata is fetched by {@link #declare}, so the producer needs no lookup,
 * and only a full send buffer could make it wait (at most {@code max.block.ms}, 5 s by default).
 * Records without a key are left to the producer's partitioner while they come close together, and
 * go to each partition in turn after a pause ({@link UnkeyedPartitions}), so competing consumers
 * share even a few; records with a key go to the key's partition, which keeps their order. A message due later goes to a delay topic instead, and {@link KafkaDelayForwarder} sends it on when due.
 */
final class KafkaTransport implements Transport {

    private static final Logger log = LoggerFactory.getLogger(KafkaTransport.class);
    private static final Duration JOIN_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration PRODUCER_CLOSE_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration CONSUMERS_CLOSE_TIMEOUT = KafkaGroupConsumer.COMMIT_TIMEOUT.plus(KafkaGroupConsumer.CLOSE_TIMEOUT)
            .plusSeconds(5);
    private static final Duration PROBE_INTERVAL = Duration.ofSeconds(2);
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(5);

    private final KafkaSettings settings;
    private final Admin admin;
    private final KafkaProducer<byte[], byte[]> producer;
    private final Capabilities capabilities;
    private final Map<String, Integer> partitionCounts = new ConcurrentHashMap<>();
    private final UnkeyedPartitions unkeyed;
    private final AtomicInteger consumerNumbers = new AtomicInteger();
    private final Set<KafkaGroupConsumer> consumers = ConcurrentHashMap.newKeySet();
    private final KafkaDelayForwarder delays;
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Request/reply's inboxes: partitions of one shared reply topic. */
    private final KafkaReplyTopic replies;
    private final AtomicBoolean probing = new AtomicBoolean();
    private volatile long lastProbe = System.nanoTime();
    private volatile ConnectionState state = ConnectionState.UP;

    private KafkaTransport(KafkaSettings settings, Admin admin, KafkaProducer<byte[], byte[]> producer) {
        this.settings = settings;
        this.admin = admin;
        this.producer = producer;
        this.unkeyed = UnkeyedPartitions.forProducer(settings.producerConfig());
        // headers count toward the record's size, checked with the payload; no limit of their own
        this.capabilities = new Capabilities(settings.maxMessageBytes())
                .withFeatures(Capabilities.Feature.EPHEMERAL_DESTINATIONS)
                .withDelayedDelivery(KafkaDelayForwarder.GRANULARITY, KafkaDelayForwarder.MAX_DELAY);
        this.replies = new KafkaReplyTopic(settings, admin, producer, this::declare, this::produce);
        this.delays = new KafkaDelayForwarder(settings, admin, producer, this::unkeyedPartition);
    }

    /**
     * Connects to the cluster and checks that it answers within the connect timeout.
     *
     * @throws ConnectionException naming the bootstrap servers when no broker answers in time
     * @throws IllegalArgumentException when a Kafka client setting is invalid
     */
    static KafkaTransport connect(KafkaSettings settings) {
        BootstrapProbe.check(settings); // fails at once on a refused port or a peer that is not Kafka
        Admin admin;
        try {
            admin = Admin.create(settings.adminConfig());
        } catch (ConfigException e) {
            if (String.valueOf(e.getMessage()).contains("resolvable bootstrap")) {
                throw new ConnectionException("could not connect to Kafka at " + settings.bootstrapServers()
                        + ": no broker address can be resolved", settings.safe(e));
            }
            throw new IllegalArgumentException("invalid Kafka client setting for " + settings + ": "
                    + settings.scrub(e.getMessage()), settings.safe(e));
        } catch (KafkaException e) {
            throw new ConnectionException("could not connect to Kafka at " + settings.bootstrapServers() + ": "
                    + why(settings, e), settings.safe(e));
        }
        try {
            long timeout = settings.connectTimeout().toMillis();
            int nodes = admin.describeCluster(new DescribeClusterOptions().timeoutMs((int) timeout))
                    .nodes().get(timeout + 1_000, TimeUnit.MILLISECONDS).size();
            KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(settings.producerConfig());
            log.info("Connected to Kafka at {} ({} broker(s))", settings.bootstrapServers(), nodes);
            return new KafkaTransport(settings, admin, producer);
        } catch (ConfigException e) {
            admin.close(Duration.ZERO);
            throw new IllegalArgumentException("invalid Kafka client setting for " + settings + ": "
                    + settings.scrub(e.getMessage()), settings.safe(e));
        } catch (TimeoutException | ExecutionException | KafkaException e) {
            admin.close(Duration.ZERO);
            throw new ConnectionException("could not connect to Kafka at " + settings.bootstrapServers() + " within "
                    + settings.connectTimeout().toMillis() + " ms: " + why(settings, e), settings.safe(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            admin.close(Duration.ZERO);
            throw new ConnectionException("interrupted while connecting to Kafka at " + settings.bootstrapServers(), e);
        }
    }

    /**
     * The connection's state from the last probe of the cluster. A call starts a new probe (an
     * asynchronous describe-cluster request) when the last one is older than {@link #PROBE_INTERVAL},
     * so this never blocks and costs nothing when nobody asks.
     */
    @Override
    public ConnectionState state() {
        if (closed.get()) {
            return new ConnectionState(HealthStatus.CLOSED, "closed");
        }
        if (System.nanoTime() - lastProbe > PROBE_INTERVAL.toNanos() && probing.compareAndSet(false, true)) {
            lastProbe = System.nanoTime();
            try {
                admin.describeCluster(new DescribeClusterOptions().timeoutMs((int) PROBE_TIMEOUT.toMillis())).nodes()
                        .whenComplete((nodes, failure) -> {
                            state = failure == null ? ConnectionState.UP : unreachable(failure);
                            probing.set(false);
                        });
            } catch (RuntimeException e) {
                state = unreachable(e);
                probing.set(false);
            }
        }
        String delayProblem = delays.problem();
        return delayProblem != null && state.status() == HealthStatus.UP
                ? new ConnectionState(HealthStatus.DEGRADED, delayProblem) : state;
    }

    private ConnectionState unreachable(Throwable failure) {
        return new ConnectionState(HealthStatus.RECONNECTING, "Kafka at " + settings.bootstrapServers()
                + " does not answer (" + why(settings, failure) + "); the clients keep reconnecting");
    }

    @Override
    public Capabilities capabilities() {
        return capabilities;
    }

    @Override
    public Optional<ReplyPath> replyPath() {
        return Optional.of(replies);
    }

    /** Creates the destination's topic when it is missing and loads its metadata into the producer. */
    @Override
    public void declare(Destination destination) {
        ensureOpen();
        String topic = KafkaNames.topic(destination);
        long timeout = settings.connectTimeout().toMillis();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeout);
        NewTopic newTopic = new NewTopic(topic, Optional.of(settings.partitions()), settings.replicationFactor())
                .configs(settings.topicConfigs());
        try {
            admin.createTopics(List.of(newTopic), new CreateTopicsOptions().timeoutMs((int) timeout))
                    .all().get(timeout + 1_000, TimeUnit.MILLISECONDS);
            log.info("Created Kafka topic '{}' for {} ({} partition(s))", topic, destination, settings.partitions());
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new ConnectionException("could not create Kafka topic '" + topic + "' for " + destination + " at "
                        + settings.bootstrapServers() + ": " + why(settings, e), settings.safe(e.getCause()));
            }
        } catch (TimeoutException e) {
            throw new ConnectionException("could not create Kafka topic '" + topic + "' for " + destination + " at "
                    + settings.bootstrapServers() + " within " + timeout + " ms", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ConnectionException("interrupted while declaring " + destination, e);
        }
        partitionCounts.put(topic, loadMetadata(topic, destination, deadline));
    }

    /**
     * Deletes the Kafka topic of a temporary queue with its records, and its workers' consumer
     * group (closed by then; a group still in use is left to expire).
     */
    @Override
    public void remove(Destination destination) {
        ensureOpen();
        if (!destination.ephemeral()) {
            throw new IllegalArgumentException(destination + " is durable; only ephemeral destinations are removed");
        }
        String topic = KafkaNames.topic(destination);
        long timeout = settings.connectTimeout().toMillis();
        try {
            admin.deleteTopics(List.of(topic)).all().get(timeout + 1_000, TimeUnit.MILLISECONDS);
            log.info("Deleted Kafka topic '{}' of {}", topic, destination);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                throw new ConnectionException("could not delete Kafka topic '" + topic + "' of " + destination + " at "
                        + settings.bootstrapServers() + ": " + why(settings, e), settings.safe(e.getCause()));
            }
        } catch (TimeoutException e) {
            throw new ConnectionException("could not delete Kafka topic '" + topic + "' of " + destination + " at "
                    + settings.bootstrapServers() + " within " + timeout + " ms", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ConnectionException("interrupted while removing " + destination, e);
        }
        partitionCounts.remove(topic);
        unkeyed.forget(topic);
        if (destination.isQueue()) {
            String group = KafkaNames.groupId(destination, null);
            try {
                admin.deleteConsumerGroups(List.of(group)).all().get(timeout + 1_000, TimeUnit.MILLISECONDS);
            } catch (ExecutionException | TimeoutException e) {
                log.debug("Could not delete consumer group '{}' of {} (it expires by itself): {}", group, destination,
                        why(settings, e));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public QueueBrowser browse(Destination queue) {
        ensureOpen();
        if (!queue.isQueue()) {
            throw new IllegalArgumentException("only a queue can be browsed: " + queue);
        }
        return new KafkaQueueBrowser(settings, queue, this::send);
    }

    @Override
    public Consumer tail(Destination topic, DeliverySink sink) {
        ensureOpen();
        if (topic.isQueue()) {
            throw new IllegalArgumentException("only a topic can be tailed: " + topic);
        }
        return KafkaTail.start(settings, topic, sink);
    }

    /** Waits until the producer knows the topic's partitions, so later sends never wait for metadata. */
    private int loadMetadata(String topic, Destination destination, long deadline) {
        return loadMetadata(producer, settings, topic, destination.toString(), deadline);
    }

    /**
     * Waits until {@code producer} knows the topic's partitions, so later sends never wait for metadata.
     *
     * @param what what the topic holds, for the error message
     */
    static int loadMetadata(KafkaProducer<byte[], byte[]> producer, KafkaSettings settings, String topic, String what,
                            long deadline) {
        KafkaException last = null;
        do {
            try {
                List<PartitionInfo> partitions = producer.partitionsFor(topic);
                if (!partitions.isEmpty()) {
                    return partitions.size();
                }
            } catch (RetriableException e) {
                last = e; // a new topic's metadata may take a moment to reach every broker
            } catch (KafkaException e) {
                last = e;
                break;
            }
        } while (System.nanoTime() - deadline < 0);
        throw new ConnectionException("Kafka topic '" + topic + "' for " + what + " exists but its metadata could not "
                + "be loaded from " + settings.bootstrapServers() + (last == null ? "" : ": " + why(settings, last)),
                settings.safe(last));
    }

    @Override
    public CompletionStage<Void> send(Envelope envelope) {
        Destination destination = envelope.destination();
        if (closed.get()) {
            return CompletableFuture.failedFuture(new PublishException("cannot publish message " + envelope.id() + " to "
                    + destination + ": the Kafka transport for " + settings.bootstrapServers() + " is closed"));
        }
        String topic;
        try {
            topic = KafkaNames.topic(destination);
        } catch (IllegalArgumentException e) {
            return CompletableFuture.failedFuture(e);
        }
        return produce(envelope, KafkaRecords.toRecord(envelope, topic, partition(envelope, topic), settings.envelope()));
    }

    /**
     * Hands every record of the batch to the producer, which batches them ({@code linger},
     * {@code batchSize}); nothing flushes per record. Unkeyed records come close together, so the
     * producer's partitioner fills whole batches one after another ({@link UnkeyedPartitions});
     * keyed records go to their key's partition, in order.
     */
    @Override
    public List<CompletionStage<Void>> sendAll(List<Envelope> envelopes) {
        if (closed.get() || envelopes.isEmpty()) {
            return Transport.super.sendAll(envelopes);
        }
        Destination destination = envelopes.get(0).destination();
        String topic;
        try {
            topic = KafkaNames.topic(destination);
        } catch (IllegalArgumentException e) {
            return Transport.super.sendAll(envelopes);
        }
        List<CompletionStage<Void>> stages = new ArrayList<>(envelopes.size());
        for (Envelope envelope : envelopes) {
            stages.add(envelope.destination().equals(destination)
                    ? produce(envelope, KafkaRecords.toRecord(envelope, topic, partition(envelope, topic), settings.envelope()))
                    : send(envelope));
        }
        return stages;
    }

    /**
     * The partition of {@code envelope}'s record on {@code topic}: see {@link UnkeyedPartitions} for
     * an unkeyed one; a keyed one ({@code null}) goes to its key's partition, which the producer computes.
     */
    private Integer partition(Envelope envelope, String topic) {
        return envelope.key() == null ? unkeyedPartition(topic) : null;
    }

    /**
     * Sends {@code record} (of {@code envelope}), through the delay topics when the envelope is due
     * later; the stage completes once the broker confirmed it.
     */
    CompletableFuture<Void> produce(Envelope envelope, ProducerRecord<byte[], byte[]> record) {
        CompletableFuture<Void> sent = new CompletableFuture<>();
        try {
            Callback confirmed = (metadata, failure) -> {
                if (failure == null) {
                    sent.complete(null);
                } else {
                    if (failure instanceof RetriableException) {
                        state = unreachable(failure); // until the next probe says otherwise
                    }
                    sent.completeExceptionally(refused(envelope, record, failure));
                }
            };
            if (envelope.deliverAt() == null) {
                producer.send(record, confirmed);
            } else {
                delays.send(envelope, record, confirmed);
            }
        } catch (KafkaException | IllegalStateException | ConnectionException e) {
            sent.completeExceptionally(refused(envelope, record, e));
        }
        return sent;
    }

    /** The partition for a forwarded record without a key to a declared topic (see {@link UnkeyedPartitions}); else {@code null} (the producer's choice). */
    private Integer unkeyedPartition(String topic) {
        return unkeyed.next(topic, partitionCounts.get(topic));
    }

    private PublishException refused(Envelope envelope, ProducerRecord<byte[], byte[]> record, Throwable failure) {
        String topic = record.topic();
        if (failure instanceof RecordTooLargeException) {
            // The broker (message.max.bytes) or the producer (max.request.size) refused the record's size:
            // say so in the type, so core can tell "too large" (a dead letter that will never fit) from an outage.
            MessageTooLargeException tooLarge = new MessageTooLargeException(envelope.destination() + " (topic '" + topic
                    + "', message " + envelope.id() + ")", KafkaRecords.size(record), settings.recordLimit());
            tooLarge.initCause(settings.safe(failure));
            return tooLarge;
        }
        return new PublishException("Kafka at " + settings.bootstrapServers() + " did not accept message " + envelope.id()
                + " for " + envelope.destination() + " (topic '" + topic + "'): " + why(settings, failure),
                settings.safe(failure));
    }

    @Override
    public Consumer consume(ConsumerSpec spec, DeliverySink sink) {
        ensureOpen();
        KafkaGroupConsumer[] self = new KafkaGroupConsumer[1];
        KafkaGroupConsumer consumer;
        try {
            consumer = new KafkaGroupConsumer(settings, admin, spec, sink, "-consumer-" + consumerNumbers.incrementAndGet(),
                    this::state, () -> consumers.remove(self[0]));
        } catch (ConfigException e) {
            throw new IllegalArgumentException("invalid Kafka consumer setting for " + settings + ": "
                    + settings.scrub(e.getMessage()), settings.safe(e));
        }
        self[0] = consumer;
        consumers.add(consumer);
        delays.forwardIfPresent();
        consumer.start(JOIN_TIMEOUT);
        return consumer;
    }

    private void ensureOpen() {
        if (closed.get()) {
            throw new IllegalStateException("the Kafka transport for " + settings.bootstrapServers() + " is closed");
        }
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        // Every consumer closes on its own poll thread: start them all, then wait for all, so closing takes
        // about as long as the slowest consumer whatever their number.
        List<KafkaGroupConsumer> open = List.copyOf(consumers);
        open.forEach(KafkaGroupConsumer::beginClose);
        delays.beginClose();
        long deadline = System.nanoTime() + CONSUMERS_CLOSE_TIMEOUT.toNanos();
        for (KafkaGroupConsumer consumer : open) {
            consumer.awaitFinished(deadline);
        }
        replies.close();
        delays.awaitFinished(deadline);
        try {
            producer.close(PRODUCER_CLOSE_TIMEOUT);
        } catch (RuntimeException e) {
            log.warn("Could not close the Kafka producer for {} cleanly: {}", settings.bootstrapServers(), why(settings, e));
        }
        admin.close(Duration.ofSeconds(5));
        log.info("Closed the Kafka connection to {}", settings.bootstrapServers());
    }

    @Override
    public String toString() {
        return "KafkaTransport[" + settings + "]";
    }

    /** {@link #rootMessage} with every secret of {@code settings} masked. */
    static String why(KafkaSettings settings, Throwable failure) {
        return settings.scrub(rootMessage(failure));
    }

    /** The innermost message of a failure, for messages that say what the broker said. */
    static String rootMessage(Throwable failure) {
        Throwable cause = failure;
        while ((cause instanceof ExecutionException || cause instanceof java.util.concurrent.CompletionException)
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        String message = cause.getMessage();
        String shown = cause.getClass().getSimpleName() + (message == null ? "" : ": " + message);
        Throwable innermost = cause;
        while (innermost.getCause() != null && innermost.getCause() != innermost) {
            innermost = innermost.getCause();
        }
        if (innermost != cause && innermost.getMessage() != null && !shown.contains(innermost.getMessage())) {
            // a client wrapper ("Failed to create new KafkaAdminClient") says less than its cause
            shown += " (" + innermost.getClass().getSimpleName() + ": " + innermost.getMessage() + ")";
        }
        return shown;
    }
}
