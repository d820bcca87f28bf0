package dev.courier.transport.kafka;

import dev.courier.api.PublishException;
import dev.courier.spi.DeliverySink;
import dev.courier.spi.Destination;
import dev.courier.spi.Envelope;
import dev.courier.spi.NamedThreadFactory;
import dev.courier.spi.ReplyInbox;
import dev.courier.spi.ReplyPath;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replies through one topic shared by every requesting bus, {@value #TOPIC}: created once (with
 * Courier's topic settings) by the first bus that requests, never deleted. A bus's inbox is one
 * partition of it, read by assignment, with no consumer group, so opening an inbox joins no group
 * and starts no rebalance; its address is {@code <topic>/<partition>/<inbox id>}, and a reply
 * carries the inbox id as its key, so a bus sharing the partition skips the replies of others.
 *
 * <p>A reply is only ever produced to a topic seen to exist (asked of the admin client, which
 * never creates topics): producing to a missing topic would let a broker with
 * {@code auto.create.topics.enable} create it. The shared topic is never removed, so a reply sent
 * after its requester closed lands there and is skipped. Thread safe.
 */
final class KafkaReplyTopic implements ReplyPath {

    /** The reply topic every bus on a cluster shares. */
    static final String TOPIC = "courier.replies";

    private static final Logger log = LoggerFactory.getLogger(KafkaReplyTopic.class);
    /** Only topics named like a reply topic are answered to, so a forged address cannot steer replies elsewhere. */
    private static final Pattern ADDRESS = Pattern.compile("([A-Za-z0-9._-]*replies)/(\\d{1,9})/([0-9a-f]{32})");
    private static final Duration POLL = Duration.ofMillis(500);

    private final KafkaSettings settings;
    private final Admin admin;
    private final KafkaProducer<byte[], byte[]> producer;
    private final Consumer<Destination> declare;
    private final BiFunction<Envelope, ProducerRecord<byte[], byte[]>, CompletableFuture<Void>> produce;
    /** Reply topics seen to exist: Courier never deletes them. */
    private final Set<String> existing = ConcurrentHashMap.newKeySet();
    /** Runs the first existence check of a topic, which blocks on the admin client. */
    private final ExecutorService checks;

    /**
     * @param declare creates a topic when missing (the transport's {@code declare})
     * @param produce sends a record as the transport's publishes are sent, failures mapped alike
     */
    KafkaReplyTopic(KafkaSettings settings, Admin admin, KafkaProducer<byte[], byte[]> producer, Consumer<Destination> declare,
                    BiFunction<Envelope, ProducerRecord<byte[], byte[]>, CompletableFuture<Void>> produce) {
        this.settings = settings;
        this.admin = admin;
        this.producer = producer;
        this.declare = declare;
        this.produce = produce;
        ThreadPoolExecutor pool = new ThreadPoolExecutor(1, 1, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                NamedThreadFactory.forTransport("kafka", "reply-check"));
        pool.allowCoreThreadTimeOut(true);
        this.checks = pool;
    }

    @Override
    public ReplyInbox open(DeliverySink sink) {
        declare.accept(Destination.topic(TOPIC)); // once per cluster in effect: an existing topic is left as it is
        existing.add(TOPIC);
        String id = UUID.randomUUID().toString().replace("-", "");
        int partitions = producer.partitionsFor(TOPIC).size();
        TopicPartition partition = new TopicPartition(TOPIC, Math.floorMod(id.hashCode(), partitions));
        String address = TOPIC + "/" + partition.partition() + "/" + id;
        Map<String, Object> config = settings.consumerConfig("unused", "-replies", 500);
        config.remove("group.id"); // assigned, not subscribed: no group, no rebalance, nothing left on the broker
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config);
        try {
            consumer.assign(List.of(partition));
            consumer.seekToEnd(List.of(partition));
            consumer.position(partition, settings.connectTimeout()); // fixed before any request is sent
        } catch (RuntimeException e) {
            consumer.close(Duration.ZERO);
            throw new dev.courier.api.ConnectionException("could not read reply topic '" + TOPIC + "' partition "
                    + partition.partition() + " at " + settings.bootstrapServers() + ": "
                    + KafkaTransport.why(settings, e), settings.safe(e));
        }
        Poller poller = new Poller(consumer, id, address, sink);
        Thread thread = NamedThreadFactory.forTransport("kafka", "replies").newThread(poller);
        thread.start();
        log.debug("Reading replies for inbox {} from {}", id, partition);
        return ReplyInbox.of(address, () -> {
            poller.stop();
            try {
                thread.join(settings.connectTimeout().toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    /** Polls one partition on its own thread and hands on the replies keyed with its inbox id. */
    private static final class Poller implements Runnable {
        private final KafkaConsumer<byte[], byte[]> consumer;
        private final byte[] id;
        private final Destination source;
        private final DeliverySink sink;
        private volatile boolean stopped;

        Poller(KafkaConsumer<byte[], byte[]> consumer, String id, String address, DeliverySink sink) {
            this.consumer = consumer;
            this.id = id.getBytes(StandardCharsets.UTF_8);
            this.source = Destination.temporaryQueue(address);
            this.sink = sink;
        }

        void stop() {
            stopped = true;
            consumer.wakeup();
        }

        @Override
        public void run() {
            try {
                while (!stopped) {
                    for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
                        if (Arrays.equals(id, record.key())) {
                            sink.deliver(ReplyPath.unacknowledged(KafkaRecords.toEnvelope(record, source)));
                        }
                    }
                }
            } catch (WakeupException closing) {
                // stop() was called
            } catch (RuntimeException e) {
                log.warn("Stopped reading replies from {}: {}", source.name(), e.toString());
            } finally {
                consumer.close(Duration.ZERO);
            }
        }
    }

    @Override
    public boolean accepts(String address) {
        return ADDRESS.matcher(address).matches();
    }

    @Override
    public CompletionStage<Void> send(String address, Envelope reply) {
        Matcher parts = ADDRESS.matcher(address);
        if (!parts.matches()) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("not a Kafka reply address: " + address));
        }
        String topic = parts.group(1);
        int partition = Integer.parseInt(parts.group(2));
        Envelope keyed = new Envelope(reply.id(), reply.destination(), parts.group(3), reply.headers(), reply.payload(),
                reply.contentType(), reply.timestamp(), reply.type());
        if (existing.contains(topic)) {
            return produce(keyed, topic, partition);
        }
        return CompletableFuture.supplyAsync(() -> exists(topic), checks).thenCompose(found -> {
            if (!found) {
                throw new CompletionException(new PublishException("reply " + reply.id() + " not sent: reply topic '" + topic
                        + "' does not exist at " + settings.bootstrapServers() + " (a reply never creates a topic)"));
            }
            return produce(keyed, topic, partition);
        });
    }

    /** Asks the admin client, which never creates topics, and loads the producer's metadata of one that exists. */
    private boolean exists(String topic) {
        long timeout = settings.connectTimeout().toMillis();
        try {
            admin.describeTopics(List.of(topic)).allTopicNames().get(timeout, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                return false;
            }
            throw new CompletionException(new PublishException("could not check reply topic '" + topic + "' at "
                    + settings.bootstrapServers() + ": " + KafkaTransport.why(settings, e), settings.safe(e.getCause())));
        } catch (TimeoutException e) {
            throw new CompletionException(new PublishException("could not check reply topic '" + topic + "' at "
                    + settings.bootstrapServers() + " within " + timeout + " ms", e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CompletionException(e);
        }
        producer.partitionsFor(topic); // the topic exists: loading its metadata creates nothing
        existing.add(topic);
        return true;
    }

    private CompletableFuture<Void> produce(Envelope reply, String topic, int partition) {
        return produce.apply(reply, KafkaRecords.toRecord(reply, topic, partition, settings.envelope()));
    }

    /** Stops the existence checks; the inboxes were closed by their buses. */
    void close() {
        checks.shutdownNow();
    }
}
