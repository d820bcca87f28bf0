package dev.courier.transport.kafka;

import dev.courier.api.ConnectionException;
import dev.courier.api.HealthStatus;
import dev.courier.spi.ConnectionState;
import dev.courier.spi.Consumer;
import dev.courier.spi.ConsumerSpec;
import dev.courier.spi.Delivery;
import dev.courier.spi.SettleOnceDelivery;
import dev.courier.spi.DeliverySink;
import dev.courier.spi.NamedThreadFactory;
import dev.courier.spi.Envelope;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One member of a Kafka consumer group feeding one {@link DeliverySink}.
 *
 * <p>A {@link KafkaConsumer} is not thread safe, so every call on it happens on this member's own
 * poll thread; {@link Delivery#ack()} and {@link Delivery#reject()} from other threads only queue a
 * settlement that the poll thread applies. Records reach the sink in partition order, from the poll
 * thread. At most {@code maxInFlight} deliveries are unsettled: at the bound every assigned
 * partition is paused (the loop keeps polling, so the member stays in its group however long a
 * handler retries) and resumed once a delivery settles.
 *
 * <p>Offsets are committed per partition only up to the contiguous prefix of acked records, so a
 * slow message is never skipped by the commit of a later one. A reject seeks the partition back to
 * the rejected record: it and every later record of that partition are fetched and handed out
 * again (their earlier deliveries become stale; settling those does nothing but free their
 * in-flight slot). About once a second the member tells the sink each partition's backlog
 * ({@link DeliverySink#backlogChanged}: the consumer lag, for the {@code courier.consumer.lag}
 * gauge). On a rebalance the member stops handing out records of revoked partitions, waits
 * a short while for their in-flight deliveries, commits the acked prefix and lets them go.
 */
final class KafkaGroupConsumer implements Consumer {

    private static final Logger log = LoggerFactory.getLogger(KafkaGroupConsumer.class);

    /** How long one poll waits for records; also the longest delay before a stop or close is noticed. */
    static final Duration POLL_TIMEOUT = Duration.ofMillis(100);
    /**
     * How much of {@code max.poll.interval.ms} a revocation leaves unused when it waits for the
     * revoked partitions' in-flight deliveries: the member must poll again before that interval
     * ends or the group drops it.
     */
    static final Duration REVOKE_MARGIN = Duration.ofSeconds(30);
    /** The shortest wait for a revoked partition's in-flight deliveries. */
    static final Duration MIN_REVOKE_WAIT = Duration.ofSeconds(5);
    static final Duration COMMIT_TIMEOUT = Duration.ofSeconds(5);
    static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);
    private static final long COMMIT_RETRY_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** How often the consumer lag of each assigned partition is reported to the sink, when it changed. */
    static final Duration BACKLOG_INTERVAL = Duration.ofSeconds(1);

    private final ConsumerSpec spec;
    private final DeliverySink sink;
    private final String topic;
    private final String groupId;
    private final String bootstrapServers;
    private final KafkaSettings settings;
    private final KafkaConsumer<byte[], byte[]> consumer;
    /** How long a revocation waits for the revoked partitions' in-flight deliveries (see {@link Rebalance}). */
    private final Duration revokeWait;
    private final Runnable onClosed;
    private final Thread thread;
    /**
     * Deliveries settled and not yet applied by the poll thread. Lock free: a settling handler
     * thread never waits for the poll thread, nor wakes it unless it waits ({@link #wakeAt}).
     */
    private final Queue<KafkaDelivery> settlements = new ConcurrentLinkedQueue<>();
    /** Settlements queued and not yet taken by the poll thread. */
    private final AtomicInteger queued = new AtomicInteger();
    /** While the paused poll thread waits for settlements: how many wake it; else 0. */
    private volatile int wakeAt;
    /** How many settlements a paused member waits for before it hands out more: a quarter of {@code maxInFlight}. */
    private final int refill;
    private final CompletableFuture<Void> joined = new CompletableFuture<>();
    private final CountDownLatch finished = new CountDownLatch(1);
    /** Counted down once the last offsets are committed on close (leaving the group may still be going on). */
    private final CountDownLatch handedOver = new CountDownLatch(1);
    private final AtomicBoolean closeStarted = new AtomicBoolean();
    private volatile boolean fetching = true;
    private volatile boolean closing;
    private final Supplier<ConnectionState> connection;
    /** Set while polling fails; cleared by the next successful poll. */
    private volatile ConnectionState pollProblem;
    /** Set while offset commits fail; cleared by the next successful commit. */
    private volatile ConnectionState commitProblem;

    // Owned by the poll thread.
    private final Map<TopicPartition, PartitionLedger> ledgers = new HashMap<>();
    private final ArrayDeque<ConsumerRecord<byte[], byte[]>> fetched = new ArrayDeque<>();
    /** The deliveries {@link #dispatch} hands out in one call; empty between calls. */
    private final ArrayList<KafkaDelivery> handing = new ArrayList<>();
    /** The header values the poll thread read last, which the next record usually repeats. */
    private final KafkaRecords.RecentValues recentValues = new KafkaRecords.RecentValues();
    /** The partition of the last record handed out: a poll's records come partition by partition. */
    private TopicPartition lastPartition;
    private int inFlight;
    private boolean paused;
    private boolean commitPending;
    private long noCommitUntil = System.nanoTime();
    /** The consumer lag last reported per partition. */
    private final Map<TopicPartition, Long> reportedBacklog = new HashMap<>();
    private long nextBacklogReport = System.nanoTime();
    /** Log ends listed by the admin client while the partitions are paused (and fetches bring none). */
    private final Map<TopicPartition, Long> listedEnds = new ConcurrentHashMap<>();
    private final AtomicBoolean listingEnds = new AtomicBoolean();
    private final Admin admin;

    KafkaGroupConsumer(KafkaSettings settings, Admin admin, ConsumerSpec spec, DeliverySink sink, String clientSuffix,
                       Supplier<ConnectionState> connection, Runnable onClosed) {
        this.admin = admin;
        this.connection = connection;
        this.settings = settings;
        this.spec = spec;
        this.sink = sink;
        this.topic = KafkaNames.topic(spec.source());
        this.groupId = KafkaNames.groupId(spec.source(), spec.group());
        this.bootstrapServers = settings.bootstrapServers();
        this.onClosed = onClosed;
        this.refill = Math.max(1, spec.maxInFlight() / 4);
        int maxPollRecords = Math.min(spec.maxInFlight(), 500);
        Map<String, Object> config = settings.consumerConfig(groupId, clientSuffix, maxPollRecords);
        this.revokeWait = revokeWait(config);
        this.consumer = new KafkaConsumer<>(config);
        this.thread = NamedThreadFactory.forTransport("kafka", groupId).newThread(this::run);
    }

    /** {@code max.poll.interval.ms} (Kafka's default 5 minutes) less {@link #REVOKE_MARGIN}, at least {@link #MIN_REVOKE_WAIT}. */
    static Duration revokeWait(Map<String, Object> consumerConfig) {
        Object configured = consumerConfig.get("max.poll.interval.ms");
        long interval = configured == null ? 300_000 : Long.parseLong(configured.toString().trim());
        return Duration.ofMillis(Math.max(MIN_REVOKE_WAIT.toMillis(), interval - REVOKE_MARGIN.toMillis()));
    }

    /**
     * Starts polling and returns once the group has given this member its first assignment (maybe
     * empty), so the group exists on the broker.
     *
     * @throws ConnectionException when the member cannot join within {@code timeout}
     */
    void start(Duration timeout) {
        thread.start();
        try {
            joined.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            if (pollProblem == null && finished.getCount() > 0 && connection.get().status() == HealthStatus.UP) {
                // The cluster answers, but the group's rebalance has not completed: another member may be
                // finishing the in-flight messages of partitions it gives up (per-key order). This member
                // gets its partitions when that is done.
                log.info("Kafka consumer group '{}' on topic '{}' is still rebalancing after {} s (another member may"
                        + " be finishing in-flight messages); this member receives messages once it completes",
                        groupId, topic, timeout.toSeconds());
                return;
            }
            close();
            throw new ConnectionException("could not join Kafka consumer group '" + groupId + "' for " + spec
                    + " at " + bootstrapServers + " within " + timeout.toSeconds() + " s", e);
        } catch (ExecutionException e) {
            close();
            throw new ConnectionException("could not join Kafka consumer group '" + groupId + "' for " + spec
                    + " at " + bootstrapServers + ": " + KafkaTransport.why(settings, e.getCause()),
                    settings.safe(e.getCause()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new ConnectionException("interrupted while joining Kafka consumer group '" + groupId + "'", e);
        }
        log.debug("Joined Kafka consumer group '{}' on topic '{}' at {}", groupId, topic, bootstrapServers);
    }

    /**
     * {@code FAILED} when the poll thread died, {@code RECONNECTING} while polls or offset commits
     * fail or the cluster does not answer, else {@code UP}. Never blocks.
     */
    @Override
    public ConnectionState state() {
        if (closing) {
            return new ConnectionState(HealthStatus.CLOSED, "closed");
        }
        if (finished.getCount() == 0) {
            return new ConnectionState(HealthStatus.FAILED, "the Kafka consumer of group '" + groupId + "' stopped; "
                    + "see the log; subscribe again");
        }
        ConnectionState problem = pollProblem != null ? pollProblem : commitProblem;
        return problem != null ? problem : connection.get();
    }

    @Override
    public void stopFetching() {
        fetching = false;
    }

    /**
     * Stops fetching, commits the acked prefix and returns; leaving the group (which gives the
     * unsettled messages to another member) goes on on the poll thread, so closing many
     * subscriptions one after another takes no round trips each. {@link KafkaTransport#close()}
     * waits for every consumer to be gone.
     */
    @Override
    public void close() {
        beginClose();
        if (Thread.currentThread() != thread) {
            await(handedOver, System.nanoTime() + COMMIT_TIMEOUT.plus(COMMIT_TIMEOUT).toNanos());
        }
    }

    /** Tells the poll thread to stop and commit, waking it from a poll; does not wait. Idempotent. */
    void beginClose() {
        if (!closeStarted.compareAndSet(false, true)) {
            return;
        }
        fetching = false;
        closing = true;
        consumer.wakeup();
        LockSupport.unpark(thread); // from a paused wait for settlements
    }

    /** Waits until the consumer has left its group and is closed, or {@code deadline} ({@link System#nanoTime()}). */
    boolean awaitFinished(long deadline) {
        return Thread.currentThread() == thread || await(finished, deadline);
    }

    private boolean await(CountDownLatch latch, long deadline) {
        try {
            if (!latch.await(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                log.warn("Kafka consumer of group '{}' did not stop in time; it stops in the background", groupId);
                return false;
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    // ---- the poll thread ----

    private void run() {
        try {
            consumer.subscribe(List.of(topic), new Rebalance());
            int failures = 0;
            while (!closing) {
                try {
                    step();
                    failures = 0;
                    pollProblem = null;
                } catch (InterruptException e) {
                    if (closing) {
                        break;
                    }
                    Thread.interrupted();
                } catch (WakeupException e) {
                    if (closing) {
                        break;
                    }
                } catch (KafkaException | IllegalStateException e) {
                    if (!joined.isDone()) {
                        joined.completeExceptionally(e);
                        break;
                    }
                    failures++;
                    long backoff = Math.min(30_000, 500L << Math.min(failures, 6));
                    pollProblem = new ConnectionState(HealthStatus.RECONNECTING, "polling group '" + groupId
                            + "' failed: " + KafkaTransport.why(settings, e) + "; trying again");
                    log.error("Kafka consumer of group '{}' on topic '{}' failed ({}); trying again in {} ms",
                            groupId, topic, KafkaTransport.why(settings, e), backoff, settings.safe(e));
                    applySettlementsFor(Duration.ofMillis(backoff));
                }
            }
        } catch (RuntimeException | Error e) {
            joined.completeExceptionally(e);
            log.error("Kafka consumer of group '{}' on topic '{}' stopped", groupId, topic, settings.safe(e));
        } finally {
            shutDown();
        }
    }

    private void step() {
        applySettlements();
        dispatch();
        adjustPause();
        commitAcked();
        if (paused) {
            // Nothing to fetch: wait until a quarter of the in-flight slots are free, then poll anyway to stay in
            // the group. Waking per settlement instead cost a thread wake-up and a poll() per message whenever
            // the handlers were the bottleneck (#21); the handlers still have the other in-flight messages.
            awaitSettlements(refill, POLL_TIMEOUT);
            add(consumer.poll(Duration.ZERO));
        } else {
            add(consumer.poll(POLL_TIMEOUT));
        }
        if (System.nanoTime() - nextBacklogReport >= 0) {
            nextBacklogReport = System.nanoTime() + BACKLOG_INTERVAL.toNanos();
            reportBacklog();
        }
    }

    /**
     * Tells the sink, per assigned partition whose figure changed, how many records this member has
     * not handled: the log end less the consumer's position, plus the records fetched and not yet
     * settled. The log end comes with every fetch, so this costs no request; while the partitions
     * are paused no fetch brings it, and the admin client lists the ends instead (asynchronously,
     * used at the next report).
     */
    private void reportBacklog() {
        if (paused && !ledgers.isEmpty()) {
            listEnds();
        }
        Map<Integer, Integer> waiting = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> record : fetched) {
            waiting.merge(record.partition(), 1, Integer::sum);
        }
        ledgers.forEach((partition, ledger) -> {
            OptionalLong lag = consumer.currentLag(partition);
            if (lag.isEmpty()) {
                return; // nothing fetched from it yet
            }
            long position;
            try {
                position = consumer.position(partition, Duration.ZERO);
            } catch (org.apache.kafka.common.errors.TimeoutException unknown) {
                return; // being validated after a leader change: next time
            }
            long end = Math.max(position + lag.getAsLong(), listedEnds.getOrDefault(partition, 0L));
            long behind = end - position + ledger.unsettled() + waiting.getOrDefault(partition.partition(), 0);
            Long reported = reportedBacklog.put(partition, behind);
            if (reported == null || reported != behind) {
                tellBacklog(partition, behind);
            }
        });
    }

    /** Lists the log ends of the assigned partitions into {@link #listedEnds}, unless a listing is under way. */
    private void listEnds() {
        if (!listingEnds.compareAndSet(false, true)) {
            return;
        }
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        ledgers.keySet().forEach(partition -> latest.put(partition, OffsetSpec.latest()));
        try {
            admin.listOffsets(latest).all().whenComplete((ends, failure) -> {
                if (failure == null) {
                    ends.forEach((partition, end) -> listedEnds.merge(partition, end.offset(), Math::max));
                } else {
                    log.debug("Could not list the log ends of group '{}' for its lag: {}", groupId,
                            KafkaTransport.why(settings, failure));
                }
                listingEnds.set(false);
            });
        } catch (RuntimeException e) {
            listingEnds.set(false);
            log.debug("Could not list the log ends of group '{}' for its lag: {}", groupId, KafkaTransport.why(settings, e));
        }
    }

    /** Tells the sink that the partitions are no longer this member's, for those whose backlog it was told. */
    private void forgetBacklog(Collection<TopicPartition> partitions) {
        for (TopicPartition partition : partitions) {
            listedEnds.remove(partition);
            if (reportedBacklog.remove(partition) != null) {
                tellBacklog(partition, -1);
            }
        }
    }

    private void tellBacklog(TopicPartition partition, long records) {
        try {
            sink.backlogChanged(partition.partition(), records);
        } catch (RuntimeException e) {
            log.warn("Delivery sink of group '{}' failed on the backlog of {}", groupId, partition, e);
        }
    }

    private void add(ConsumerRecords<byte[], byte[]> records) {
        for (ConsumerRecord<byte[], byte[]> record : records) {
            fetched.add(record);
        }
    }

    /**
     * Hands the fetched records out, as many as the in-flight bound allows, in one
     * {@link DeliverySink#deliverAll} call: a poll's records arrive together, and handed over one
     * by one each waited for the wake-up of a handler thread the one before had let go idle (#21:
     * the added latency grew with the records per poll, so with the rate).
     */
    private void dispatch() {
        while (fetching && !closing && inFlight < spec.maxInFlight() && !fetched.isEmpty()) {
            ConsumerRecord<byte[], byte[]> record = fetched.poll();
            TopicPartition partition = lastPartition != null && lastPartition.partition() == record.partition()
                    ? lastPartition : (lastPartition = new TopicPartition(record.topic(), record.partition()));
            PartitionLedger ledger = ledgers.get(partition);
            if (ledger == null) {
                continue; // revoked meanwhile
            }
            int count = ledger.nextDeliveryCount(record.offset());
            KafkaDelivery delivery = new KafkaDelivery(partition, record.offset(),
                    KafkaRecords.toEnvelope(record, spec.source(), recentValues), count);
            ledger.handOut(record.offset(), delivery, count);
            inFlight++;
            handing.add(delivery);
        }
        if (handing.isEmpty()) {
            return;
        }
        try {
            sink.deliverAll(handing);
        } catch (RuntimeException e) {
            log.error("Delivery sink of group '{}' failed on {} message(s) from {}; they will be fetched again",
                    groupId, handing.size(), handing.get(0).envelope().id(), e);
            handing.forEach(KafkaDelivery::reject); // settled ones stay settled
        } finally {
            handing.clear();
        }
    }

    private void adjustPause() {
        boolean wanted = fetching && !closing && inFlight < spec.maxInFlight() && fetched.isEmpty();
        if (wanted == !paused) {
            return;
        }
        if (wanted) {
            consumer.resume(consumer.assignment());
        } else {
            consumer.pause(consumer.assignment());
        }
        paused = !wanted;
    }

    private void applySettlements() {
        KafkaDelivery settled;
        int taken = 0;
        while ((settled = settlements.poll()) != null) {
            taken++;
            apply(settled);
        }
        if (taken > 0) {
            queued.addAndGet(-taken);
        }
    }

    /** Waits until {@code count} settlements are queued, at most {@code wait} or until closing, then applies the queued ones. */
    private void awaitSettlements(int count, Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        wakeAt = count;
        try {
            while (queued.get() < count && !closing) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                LockSupport.parkNanos(this, left);
                if (Thread.interrupted()) {
                    closing = true;
                }
            }
        } finally {
            wakeAt = 0;
        }
        applySettlements();
    }

    /** Applies settlements as they come, for up to {@code wait} (returns early after the first one). */
    private void applySettlementsFor(Duration wait) {
        awaitSettlements(1, wait);
    }

    private void apply(KafkaDelivery delivery) {
        inFlight--;
        PartitionLedger ledger = ledgers.get(delivery.partition);
        if (ledger == null || !ledger.isCurrent(delivery.offset, delivery)) {
            return; // its partition was revoked or rewound: the record is (or will be) fetched again
        }
        if (delivery.acked) {
            ledger.ack(delivery.offset);
            return;
        }
        int later = ledger.rewind(delivery.offset);
        fetched.removeIf(record -> record.partition() == delivery.partition.partition());
        try {
            consumer.seek(delivery.partition, delivery.offset);
        } catch (IllegalStateException notAssigned) {
            return; // being revoked: the next owner reads from the committed offset
        }
        log.debug("Message {} of group '{}' rejected: {} rewound to offset {} ({} later in-flight record(s) will come again)",
                delivery.envelope().id(), groupId, delivery.partition, delivery.offset, later);
    }

    private void commitAcked() {
        if (commitPending || System.nanoTime() - noCommitUntil < 0) {
            return;
        }
        Map<TopicPartition, OffsetAndMetadata> offsets = committable(ledgers.keySet());
        if (offsets.isEmpty()) {
            return;
        }
        commitPending = true;
        consumer.commitAsync(offsets, (done, failure) -> {
            commitPending = false;
            commitProblem = failure == null ? null : new ConnectionState(HealthStatus.RECONNECTING,
                    "offset commits of group '" + groupId + "' fail: " + KafkaTransport.why(settings, failure));
            if (failure != null) {
                noCommitUntil = System.nanoTime() + COMMIT_RETRY_NANOS;
                offsets.keySet().forEach(partition -> {
                    PartitionLedger ledger = ledgers.get(partition);
                    if (ledger != null) {
                        ledger.commitFailed();
                    }
                });
                log.debug("Commit of group '{}' failed ({}); trying again", groupId, KafkaTransport.why(settings, failure));
            }
        });
    }

    private void commitNow(Collection<TopicPartition> partitions) {
        Map<TopicPartition, OffsetAndMetadata> offsets = committable(partitions);
        if (offsets.isEmpty()) {
            return;
        }
        for (int attempt = 1; ; attempt++) {
            try {
                consumer.commitSync(offsets, COMMIT_TIMEOUT);
                return;
            } catch (WakeupException e) {
                if (attempt == 2) { // a close's wakeup hit this commit: one more try, a second wakeup cannot be pending
                    return;
                }
            } catch (KafkaException e) {
                log.warn("Could not commit offsets {} of group '{}' ({}); those messages may be delivered again",
                        offsets, groupId, KafkaTransport.why(settings, e));
                return;
            }
        }
    }

    private Map<TopicPartition, OffsetAndMetadata> committable(Collection<TopicPartition> partitions) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (TopicPartition partition : partitions) {
            PartitionLedger ledger = ledgers.get(partition);
            if (ledger != null) {
                OptionalLong offset = ledger.takeCommit();
                if (offset.isPresent()) {
                    offsets.put(partition, new OffsetAndMetadata(offset.getAsLong()));
                }
            }
        }
        return offsets;
    }

    private int unsettled(Collection<TopicPartition> partitions) {
        int count = 0;
        for (TopicPartition partition : partitions) {
            PartitionLedger ledger = ledgers.get(partition);
            if (ledger != null) {
                count += ledger.unsettled();
            }
        }
        return count;
    }

    private void shutDown() {
        try {
            applySettlements();
            commitNow(List.copyOf(ledgers.keySet()));
        } catch (RuntimeException e) {
            log.warn("Could not commit the last offsets of group '{}': {}", groupId, KafkaTransport.why(settings, e));
        } finally {
            forgetBacklog(List.copyOf(reportedBacklog.keySet()));
            handedOver.countDown();
            try {
                consumer.close(CloseOptions.timeout(CLOSE_TIMEOUT));
            } catch (RuntimeException e) {
                log.warn("Could not close the Kafka consumer of group '{}' cleanly: {}", groupId,
                        KafkaTransport.why(settings, e));
            }
            joined.completeExceptionally(new IllegalStateException("consumer closed"));
            handedOver.countDown();
            finished.countDown();
            onClosed.run();
            log.debug("Kafka consumer of group '{}' on topic '{}' closed", groupId, topic);
        }
    }

    /** Keeps the ledgers in step with the assignment; runs on the poll thread, inside poll() or close(). */
    private final class Rebalance implements ConsumerRebalanceListener {

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            for (TopicPartition partition : partitions) {
                ledgers.put(partition, new PartitionLedger());
            }
            if (paused && !partitions.isEmpty()) {
                consumer.pause(partitions);
            }
            if (!partitions.isEmpty()) {
                log.debug("Group '{}' assigned {}", groupId, partitions);
            }
            joined.complete(null);
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            if (partitions.isEmpty()) {
                return;
            }
            fetched.removeIf(record -> partitions.contains(new TopicPartition(record.topic(), record.partition())));
            // Per-key order across the rebalance: the next owner must not run a key while this member still
            // runs (or retries) one of its messages. So the partitions are kept until their in-flight
            // deliveries settle, as long as the group lets this member stay away from poll().
            int unsettled = unsettled(partitions);
            if (unsettled > 0 && !closing) {
                log.info("Group '{}': partitions {} revoked with {} message(s) in flight; waiting up to {} s for them to"
                        + " be settled before letting the partitions go, so each key stays in order", groupId, partitions,
                        unsettled, revokeWait.toSeconds());
            }
            long deadline = System.nanoTime() + revokeWait.toNanos();
            while (!closing && unsettled(partitions) > 0 && deadline - System.nanoTime() > 0) {
                applySettlementsFor(Duration.ofNanos(Math.min(deadline - System.nanoTime(), POLL_TIMEOUT.toNanos())));
            }
            commitNow(partitions);
            release(partitions, "revoked");
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            if (partitions.isEmpty()) {
                return;
            }
            fetched.removeIf(record -> partitions.contains(new TopicPartition(record.topic(), record.partition())));
            release(partitions, "lost");
        }

        private void release(Collection<TopicPartition> partitions, String how) {
            int unsettled = unsettled(partitions);
            partitions.forEach(ledgers::remove);
            forgetBacklog(partitions);
            if (unsettled > 0) {
                log.info("Group '{}': partitions {} {} with {} unsettled message(s); they will be delivered again",
                        groupId, partitions, how, unsettled);
            } else {
                log.debug("Group '{}': partitions {} {}", groupId, partitions, how);
            }
        }
    }

    /** One record handed to the sink. Settling queues it, with its outcome, for the poll thread. */
    private final class KafkaDelivery extends SettleOnceDelivery {
        final TopicPartition partition;
        final long offset;
        /** Set once, before the delivery is queued; the queue publishes it to the poll thread. */
        boolean acked;

        KafkaDelivery(TopicPartition partition, long offset, Envelope envelope, int count) {
            super(envelope, count);
            this.partition = partition;
            this.offset = offset;
        }

        @Override
        protected void settle(boolean ack) {
            acked = ack;
            settlements.add(this);
            int waiting = queued.incrementAndGet();
            int wakeAt = KafkaGroupConsumer.this.wakeAt;
            if (wakeAt > 0 && waiting >= wakeAt) {
                LockSupport.unpark(thread);
            }
        }

        @Override
        public String toString() {
            return "KafkaDelivery[" + partition + "@" + offset + ", " + envelope().id() + ", count " + deliveryCount() + "]";
        }
    }
}
