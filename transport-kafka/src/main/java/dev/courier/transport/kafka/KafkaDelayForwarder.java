package dev.courier.transport.kafka;

import dev.courier.api.ConnectionException;
import dev.courier.spi.Backoff;
import dev.courier.spi.Envelope;
import dev.courier.spi.FailureStreak;
import dev.courier.spi.NamedThreadFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delayed delivery on Kafka, which cannot hold a record back: delay topics, each with a fixed
 * hold, read by one consumer group that pauses a partition until its head is due.
 *
 * <p><b>Levels.</b> {@value #LEVELS} topics {@code courier.delay.<hold in ms>}, holding 250 ms,
 * 1 s, 4 s, 16 s, ... (times 4) up to 4,194,304 s (48.5 days). A message whose remaining delay is
 * {@code r} goes to the longest level whose hold is at most {@code r} (the 250 ms level when
 * {@code r} is shorter), and is released {@code min(due, append time + hold)}. The topics keep the
 * broker's append time ({@code message.timestamp.type=LogAppendTime}), so on every level above the
 * first the release instants grow with the offsets and a partition's head is always the next one
 * due: the forwarder pauses the partition until then. A released message is forwarded to its real
 * topic when due, else it goes to the level of what remains. A delay of {@code r} takes at most
 * three hops per level below it (about ten for a minute, forty for 30 days); longer delays than
 * the top level just take it again. Only the 250 ms level holds messages due in any order, so a
 * message is late at most about 250 ms plus a hop (the granularity).
 *
 * <p><b>Records.</b> A delayed record is the record a plain publish would write (key, value,
 * CloudEvents and user headers), sent to the level topic with three more headers: the due instant,
 * the real topic, and the original timestamp (the level topic's timestamps are append times). The
 * forwarded record drops those three and gets its original timestamp back, so consumers read the
 * same id, key, headers, payload and timestamp as from a plain publish, and no due instant.
 * Messages of one key stay on one partition per level, but order among delayed messages, also of
 * one key, is not kept: they take different levels.
 *
 * <p><b>Durability.</b> A record leaves a level only once its forward or next hop is confirmed
 * ({@code acks=all}) and then its offset is committed, so a broker restart or a crash loses
 * nothing; a crash between the forward and the commit forwards it again (at-least-once, with the
 * same id). Level topics keep records their hold plus 7 days, so every process may be down a
 * week; the group's offsets expire after the broker's {@code offsets.retention.minutes} (7 days)
 * without a member, then the levels are read again from their start (duplicates, no loss).
 *
 * <p><b>Who forwards.</b> Every transport that sent a delayed message, and every transport that
 * consumes once the level topics exist (checked on each {@code consume} until it forwards), runs
 * one member of the consumer group {@value #GROUP}: all of them share the work, and a process that
 * comes back to receive is also one that delivers what came due while every process was down.
 * Level topics and the group are shared by every Courier application on the cluster.
 *
 * <p>Thread safe: {@link #send} from any thread; the consumer lives on its own thread.
 */
final class KafkaDelayForwarder implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(KafkaDelayForwarder.class);

    static final String TOPIC_PREFIX = "courier.delay.";
    static final String GROUP = "courier.delay";
    static final int LEVELS = 13;
    private static final List<String> TOPICS = levelTopics();
    static final long SHORTEST_HOLD_MS = 250;
    /**
     * How late a delayed message arrives at most on an idle broker: the 250 ms level's spread plus a
     * hop (measured: 1,000 messages due over 10 s, 152 ms late in the median, 417 ms at most).
     */
    static final Duration GRANULARITY = Duration.ofMillis(500);
    /** The longest delay stated; longer delays than the top level's hold just take it again. */
    static final Duration MAX_DELAY = Duration.ofDays(365);
    /** Epoch milliseconds when the message is due. */
    static final String DELIVER_AT = "courier:deliver-at";
    /** The Kafka topic the message is due on. */
    static final String TARGET = "courier:delay-target";
    /** The record's own timestamp (the level topics' are append times). */
    static final String TIMESTAMP = "courier:delay-timestamp";
    /** How long a level topic keeps a record beyond its hold: how long every process may be down. */
    static final Duration KEPT_BEYOND_HOLD = Duration.ofDays(7);
    /** Waits between tries of forwarding a record the broker refuses: 1 s doubling to 5 min. */
    private static final Backoff RETRY_FORWARD = Backoff.DEFAULT;
    private static final Duration LONGEST_POLL = Duration.ofMillis(500);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(15);
    private static final Duration CONSUMER_CLOSE_TIMEOUT = Duration.ofSeconds(5);
    /** How long a failed forwarder waits before it starts again with a new consumer: 5 s doubling to 5 min. */
    private static final Backoff RESTART_DELAY = new Backoff(Duration.ofSeconds(5), Duration.ofMinutes(5));
    private static final int MAX_POLL_RECORDS = 500;
    /** The longest the broker holds a fetch with no new records (Kafka's default is 500 ms). */
    private static final Duration FETCH_WAIT = Duration.ofMillis(50);

    private final KafkaSettings settings;
    private final Admin admin;
    /** Delay partitions whose head the broker refused, with the failures in a row. */
    private final FailureStreak<TopicPartition> failing = new FailureStreak<>(RETRY_FORWARD);
    /** Why the forwarder last failed as a whole, until it polls again; {@code null} when it runs. */
    private volatile String restartProblem;
    private final KafkaProducer<byte[], byte[]> producer;
    /** The partition for a record without a key sent to a topic, or {@code null} to let the producer choose. */
    private final Function<String, Integer> partitioner;
    private final Object lock = new Object();
    private final CompletableFuture<Void> finished = new CompletableFuture<>();
    private volatile boolean topicsReady;
    private volatile Thread thread;
    private volatile boolean closing;
    private KafkaConsumer<byte[], byte[]> consumer;

    KafkaDelayForwarder(KafkaSettings settings, Admin admin, KafkaProducer<byte[], byte[]> producer,
                        Function<String, Integer> partitioner) {
        this.settings = settings;
        this.admin = admin;
        this.producer = producer;
        this.partitioner = partitioner;
    }

    /** The hold of level {@code level}: 250 ms times 4 to the power {@code level}. */
    static long holdMillis(int level) {
        return SHORTEST_HOLD_MS << (2 * level);
    }

    /** The level for a remaining delay of {@code remainingMs}: the longest hold not above it, or the shortest. */
    static int level(long remainingMs) {
        int level = 0;
        while (level + 1 < LEVELS && holdMillis(level + 1) <= remainingMs) {
            level++;
        }
        return level;
    }

    static String topic(int level) {
        return TOPIC_PREFIX + holdMillis(level);
    }

    /** The level topics, shortest hold first. */
    static List<String> topics() {
        return TOPICS;
    }

    private static List<String> levelTopics() {
        List<String> topics = new ArrayList<>(LEVELS);
        for (int level = 0; level < LEVELS; level++) {
            topics.add(topic(level));
        }
        return List.copyOf(topics);
    }

    /**
     * Writes {@code record} (the record a plain publish of {@code envelope} would send) to its delay
     * level; creates the level topics and starts forwarding first, once per transport (blocking).
     */
    Future<RecordMetadata> send(Envelope envelope, ProducerRecord<byte[], byte[]> record,
                                Callback callback) {
        startForwarding(true);
        long due = envelope.deliverAt().toEpochMilli();
        Headers headers = record.headers();
        headers.add(DELIVER_AT, utf8(Long.toString(due)));
        headers.add(TARGET, utf8(record.topic()));
        headers.add(TIMESTAMP, utf8(Long.toString(record.timestamp())));
        return producer.send(hop(record.key(), record.value(), headers, due), callback);
    }

    /** The record for the level of what remains until {@code due}. */
    private static ProducerRecord<byte[], byte[]> hop(byte[] key, byte[] value, Iterable<Header> headers, long due) {
        long remaining = due - System.currentTimeMillis();
        return new ProducerRecord<>(topic(level(remaining)), null, null, key, value, headers);
    }

    /** Starts forwarding if the level topics exist already (a transport that consumes). Never throws. */
    void forwardIfPresent() {
        if (thread != null || closing) {
            return;
        }
        try {
            Set<String> existing = admin.listTopics().names()
                    .get(settings.connectTimeout().toMillis() + 1_000, TimeUnit.MILLISECONDS);
            if (existing.containsAll(topics())) {
                startForwarding(false);
            }
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            log.warn("Could not look for Kafka delay topics at {}; delayed messages are forwarded by other processes: {}",
                    settings.bootstrapServers(), KafkaTransport.why(settings, e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void startForwarding(boolean create) {
        if (thread != null) {
            return;
        }
        synchronized (lock) {
            if (thread != null || closing) {
                return;
            }
            if (create && !topicsReady) {
                createTopics();
            }
            topicsReady = true;
            Thread started = NamedThreadFactory.forTransport("kafka", "delay").newThread(this::run);
            thread = started;
            started.start();
            log.info("Forwarding delayed messages from Kafka topics {}* at {}", TOPIC_PREFIX, settings.bootstrapServers());
        }
    }

    private void createTopics() {
        long timeout = settings.connectTimeout().toMillis();
        List<NewTopic> wanted = new ArrayList<>();
        for (int level = 0; level < LEVELS; level++) {
            Map<String, String> configs = new HashMap<>(settings.topicConfigs());
            configs.put("message.timestamp.type", "LogAppendTime");
            configs.put("retention.ms", Long.toString(holdMillis(level) + KEPT_BEYOND_HOLD.toMillis()));
            configs.put("cleanup.policy", "delete");
            wanted.add(new NewTopic(topic(level), java.util.Optional.of(settings.partitions()), settings.replicationFactor())
                    .configs(configs));
        }
        try {
            for (var created : admin.createTopics(wanted, new CreateTopicsOptions().timeoutMs((int) timeout)).values().entrySet()) {
                try {
                    created.getValue().get(timeout + 1_000, TimeUnit.MILLISECONDS);
                    log.info("Created Kafka delay topic '{}'", created.getKey());
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new ConnectionException("could not create Kafka delay topic '" + created.getKey() + "' at "
                                + settings.bootstrapServers() + ": " + KafkaTransport.why(settings, e), settings.safe(e.getCause()));
                    }
                }
            }
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeout);
            Map<TopicPartition, OffsetSpec> partitions = new HashMap<>();
            for (String topic : topics()) {
                int count = KafkaTransport.loadMetadata(producer, settings, topic, "the delay topic", deadline);
                for (int partition = 0; partition < count; partition++) {
                    partitions.put(new TopicPartition(topic, partition), OffsetSpec.latest());
                }
            }
            // Listing offsets succeeds only once each partition's leader serves it (the admin client retries
            // until then). The first records sent to a partition whose leader is not ready yet can be refused
            // while later ones are taken, and the idempotent producer then retries the first ones out of
            // sequence until they expire.
            admin.listOffsets(partitions).all().get(timeout + 1_000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new ConnectionException("the Kafka delay topics at " + settings.bootstrapServers() + " are not served: "
                    + KafkaTransport.why(settings, e), settings.safe(e.getCause()));
        } catch (TimeoutException e) {
            throw new ConnectionException("could not create the Kafka delay topics at " + settings.bootstrapServers()
                    + " within " + timeout + " ms", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ConnectionException("interrupted while creating the Kafka delay topics", e);
        }
    }

    /** What keeps delayed messages from being forwarded, or {@code null} when every forward went through. */
    String problem() {
        String restarting = restartProblem;
        if (restarting != null) {
            return restarting;
        }
        Map<String, Integer> refused = failing.current();
        return refused.isEmpty() ? null : "delayed messages could not be forwarded (failures in a row per delay"
                + " partition: " + refused + "); they are kept and tried again with backoff";
    }

    /**
     * The forwarding thread: runs the loop with a consumer of its own and, when that fails (the
     * group or a topic refused, say), logs it and starts again with a new consumer after
     * {@link #RESTART_DELAY}, until closed.
     */
    private void run() {
        int failuresInARow = 0;
        try {
            while (!closing) {
                long started = System.nanoTime();
                try {
                    forward();
                } catch (WakeupException e) {
                    // closing
                } catch (RuntimeException e) {
                    if (!closing) {
                        // a forwarder that ran longer than the longest wait failed afresh, not again
                        failuresInARow = System.nanoTime() - started > RESTART_DELAY.max().toNanos() ? 1 : failuresInARow + 1;
                        Duration wait = RESTART_DELAY.after(failuresInARow);
                        restartProblem = "the delay forwarder failed " + failuresInARow + " time(s) in a row: "
                                + KafkaTransport.why(settings, e);
                        log.error("The Kafka delay forwarder for {} failed ({} time(s) in a row); starting again in {} s",
                                settings.bootstrapServers(), failuresInARow, wait.toSeconds(), settings.safe(e));
                        long until = System.nanoTime() + wait.toNanos();
                        while (!closing && System.nanoTime() - until < 0) {
                            LockSupport.parkNanos(until - System.nanoTime()); // beginClose unparks
                        }
                    }
                }
            }
        } finally {
            finished.complete(null);
        }
    }

    /** The forwarding loop, with one consumer, until closed or failed; every consumer call here. */
    private void forward() {
        Map<TopicPartition, Long> resumeAt = new HashMap<>();
        Map<String, Object> config = settings.consumerConfig(GROUP, "-delay", MAX_POLL_RECORDS);
        // A resumed partition is fetched only once the fetch in flight returns: keep that wait short.
        config.put("fetch.max.wait.ms", (int) FETCH_WAIT.toMillis());
        KafkaConsumer<byte[], byte[]> created = new KafkaConsumer<>(config);
        try {
            synchronized (lock) {
                consumer = created;
                if (closing) {
                    return;
                }
            }
            created.subscribe(topics(), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    partitions.forEach(resumeAt::remove);
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    // new partitions start unpaused at their committed offset
                }
            });
            while (!closing) {
                resume(created, resumeAt);
                ConsumerRecords<byte[], byte[]> records = created.poll(pollTimeout(resumeAt));
                restartProblem = null; // polling again
                if (!records.isEmpty()) {
                    handle(created, records, resumeAt);
                }
            }
        } finally {
            synchronized (lock) {
                consumer = null;
            }
            try {
                created.close(CloseOptions.timeout(CONSUMER_CLOSE_TIMEOUT));
            } catch (RuntimeException e) {
                log.debug("Error while closing the Kafka delay forwarder's consumer", e);
            }
        }
    }

    private static void resume(KafkaConsumer<byte[], byte[]> consumer, Map<TopicPartition, Long> resumeAt) {
        long now = System.currentTimeMillis();
        List<TopicPartition> due = new ArrayList<>();
        resumeAt.entrySet().removeIf(entry -> {
            if (entry.getValue() <= now) {
                due.add(entry.getKey());
                return true;
            }
            return false;
        });
        if (!due.isEmpty()) {
            due.retainAll(consumer.assignment());
            consumer.resume(due);
        }
    }

    private static Duration pollTimeout(Map<TopicPartition, Long> resumeAt) {
        long wait = LONGEST_POLL.toMillis();
        long now = System.currentTimeMillis();
        for (long at : resumeAt.values()) {
            wait = Math.min(wait, at - now);
        }
        return Duration.ofMillis(Math.max(1, wait));
    }

    /** A record sent on, with the offset it came from. */
    private record Sent(long offset, Future<RecordMetadata> result) {
    }

    /**
     * Sends on every released record of each partition, up to the first one not released yet (the
     * partition is paused until then), waits for the broker, and commits what was confirmed.
     */
    private void handle(KafkaConsumer<byte[], byte[]> consumer, ConsumerRecords<byte[], byte[]> records,
                        Map<TopicPartition, Long> resumeAt) {
        Map<TopicPartition, List<Sent>> sent = new LinkedHashMap<>();
        for (TopicPartition partition : records.partitions()) {
            long hold = holdMillis(TOPICS.indexOf(partition.topic()));
            List<Sent> out = new ArrayList<>();
            sent.put(partition, out);
            for (ConsumerRecord<byte[], byte[]> record : records.records(partition)) {
                long due = number(record.headers().lastHeader(DELIVER_AT));
                String target = text(record.headers().lastHeader(TARGET));
                if (due < 0 || target == null) {
                    log.error("Skipping record {}-{}@{} in a Kafka delay topic: Courier did not write it (no due time or"
                            + " target)", partition.topic(), partition.partition(), record.offset());
                    out.add(new Sent(record.offset(), CompletableFuture.completedFuture(null)));
                    continue;
                }
                long release = Math.min(due, record.timestamp() + hold);
                if (release > System.currentTimeMillis()) {
                    consumer.seek(partition, record.offset());
                    consumer.pause(List.of(partition));
                    resumeAt.put(partition, release);
                    break;
                }
                out.add(new Sent(record.offset(), sendOn(record, due, target)));
            }
        }
        Map<TopicPartition, OffsetAndMetadata> commits = new HashMap<>();
        sent.forEach((partition, out) -> {
            for (Sent one : out) {
                try {
                    one.result().get();
                    commits.put(partition, new OffsetAndMetadata(one.offset() + 1));
                    failing.succeeded(partition);
                } catch (ExecutionException e) {
                    // never dropped: kept at the head of its partition and tried again, later each time
                    Duration wait = failing.failed(partition);
                    int failures = failing.failures(partition);
                    boolean retriable = e.getCause() instanceof RetriableException;
                    String text = "Could not forward delayed message {}-{}@{} at {} ({} failure(s) in a row{}); keeping it"
                            + " and trying again in {} ms: {}";
                    Object[] args = {partition.topic(), partition.partition(), one.offset(), settings.bootstrapServers(),
                            failures, retriable ? "" : ", refused", wait.toMillis(), KafkaTransport.why(settings, e)};
                    if (retriable) {
                        log.warn(text, args);
                    } else {
                        log.error(text, args);
                    }
                    consumer.seek(partition, one.offset());
                    consumer.pause(List.of(partition));
                    resumeAt.put(partition, System.currentTimeMillis() + wait.toMillis());
                    break;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        });
        if (!commits.isEmpty()) {
            try {
                consumer.commitSync(commits);
            } catch (WakeupException e) {
                consumer.commitSync(commits); // the records are forwarded: keep them from being forwarded again
                throw e;
            } catch (KafkaException e) {
                log.warn("Could not commit the Kafka delay topics' offsets at {} (their records are forwarded again): {}",
                        settings.bootstrapServers(), KafkaTransport.why(settings, e));
            }
        }
    }

    /** Forwards a released record to its topic when due, else sends it to the level of what remains. */
    private Future<RecordMetadata> sendOn(ConsumerRecord<byte[], byte[]> record, long due, String target) {
        try {
            if (due > System.currentTimeMillis()) {
                return producer.send(hop(record.key(), record.value(), record.headers(), due));
            }
            List<Header> headers = new ArrayList<>();
            for (Header header : record.headers()) {
                String name = header.key();
                if (!name.equals(DELIVER_AT) && !name.equals(TARGET) && !name.equals(TIMESTAMP)) {
                    headers.add(header);
                }
            }
            long timestamp = number(record.headers().lastHeader(TIMESTAMP));
            Integer partition = record.key() == null ? partitioner.apply(target) : null;
            return producer.send(new ProducerRecord<>(target, partition, timestamp < 0 ? null : timestamp,
                    record.key(), record.value(), headers));
        } catch (KafkaException | IllegalStateException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private static long number(Header header) {
        String value = text(header);
        try {
            return value == null ? -1 : Long.parseLong(value);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static String text(Header header) {
        return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    private static byte[] utf8(String value) {
        return value.getBytes(StandardCharsets.UTF_8);
    }

    /** Part one of closing: the loop stops after its current batch (its forwards confirmed and committed). */
    void beginClose() {
        synchronized (lock) {
            closing = true;
            if (consumer != null) {
                consumer.wakeup();
            }
        }
        Thread running = thread;
        if (running == null) {
            finished.complete(null);
        } else {
            LockSupport.unpark(running); // ends a wait before a restart
        }
    }

    /** Waits until the loop ended and its consumer left the group, at most until {@code deadline} (nanoTime). */
    void awaitFinished(long deadline) {
        try {
            finished.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException | ExecutionException e) {
            log.warn("The Kafka delay forwarder for {} did not stop in time", settings.bootstrapServers());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        beginClose();
        awaitFinished(System.nanoTime() + CLOSE_TIMEOUT.toNanos());
    }

    @Override
    public String toString() {
        return "KafkaDelayForwarder[" + settings.bootstrapServers() + "]";
    }
}
