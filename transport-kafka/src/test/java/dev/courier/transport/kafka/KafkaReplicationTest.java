package dev.courier.transport.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.courier.api.ConsumerOptions;
import dev.courier.api.MessageBus;
import dev.courier.api.OutgoingMessage;
import dev.courier.api.PublishException;
import dev.courier.testkit.Inbox;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Kafka with replication: a real three-broker KRaft cluster ({@link KafkaTestCluster}), topics with
 * replication factor 3 and {@code min.insync.replicas=2}. Messages stream through a Courier group
 * while a broker leading partitions of the topic (the active controller when it leads one) is
 * killed (SIGKILL) or shut down cleanly (SIGTERM), and later started again: every confirmed
 * publish must reach the group, and publishing and consuming must go on while the broker is away.
 * Prints its counts like the other reliability scenarios.
 */
@Tag("reliability")
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class KafkaReplicationTest {

    private static final int MAX_OUTSTANDING = 2_000;
    private static final int RATE_PER_SECOND = 1_000;

    private static KafkaTestCluster cluster;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = KafkaTestCluster.start(3);
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void a_partition_leader_killed_mid_stream_loses_no_confirmed_message() throws Exception {
        leaderGoesAwayMidStream(true);
    }

    @Test
    void a_partition_leader_shut_down_cleanly_mid_stream_loses_no_confirmed_message() throws Exception {
        leaderGoesAwayMidStream(false);
    }

    /**
     * Streams messages through a group, takes away a broker leading partitions of the topic, preferably
     * the active controller (SIGKILL when {@code crash}, else SIGTERM: a controlled shutdown, as in a
     * rolling restart), checks that publishing and consuming go on, restarts it, waits until it is
     * back in sync, and counts.
     */
    private void leaderGoesAwayMidStream(boolean crash) throws Exception {
        String topic = "kr-" + UUID.randomUUID().toString().substring(0, 8) + ".replicated";
        String url = "kafka://" + cluster.bootstrap() + "?replicationFactor=3&kafka.consumer.session.timeout.ms=6000";
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", cluster.bootstrap(), "request.timeout.ms", 3_000,
                "default.api.timeout.ms", 5_000));
             MessageBus consumerBus = MessageBus.connect(url);
             MessageBus publisherBus = MessageBus.connect(url)) {
            Inbox<String> inbox = new Inbox<>();
            consumerBus.subscribe(topic, "g", String.class, inbox, ConsumerOptions.concurrency(4).withMaxInFlight(256));

            // the topic Courier created is replicated three times and needs two replicas in sync
            List<TopicPartitionInfo> partitions = describe(admin, topic).partitions();
            for (TopicPartitionInfo partition : partitions) {
                assertEquals(3, partition.replicas().size(), "replicas of " + partition);
                assertEquals(3, partition.isr().size(), "in-sync replicas of " + partition);
            }
            Config config = admin.describeConfigs(List.of(new ConfigResource(ConfigResource.Type.TOPIC, topic)))
                    .all().get(10, TimeUnit.SECONDS).values().iterator().next();
            assertEquals("2", config.get("min.insync.replicas").value(), "min.insync.replicas of " + topic);

            // the victim leads partitions of the topic and, when it leads one, is the active controller too:
            // its loss then forces a controller election on top of the partition leader elections
            Map<Integer, Long> led = partitions.stream().collect(Collectors.groupingBy(p -> p.leader().id(), Collectors.counting()));
            int controller = admin.describeMetadataQuorum().quorumInfo().get(10, TimeUnit.SECONDS).leaderId();
            int victim = led.containsKey(controller) ? controller : led.entrySet().stream()
                    .max(Map.Entry.<Integer, Long>comparingByValue().thenComparing(Map.Entry.comparingByKey(Comparator.reverseOrder())))
                    .orElseThrow().getKey();
            String role = (victim == controller ? "the active controller and leader of " : "leader of ") + led.get(victim)
                    + " of " + partitions.size() + " partitions";

            try (PacedPublisher stream = new PacedPublisher(publisherBus, topic)) {
                eventually(() -> stream.confirmed.size() >= 1_500 || !stream.unexpected.isEmpty(), Duration.ofSeconds(30),
                        "1,500 confirmed publishes before the broker goes");
                assertTrue(stream.unexpected.isEmpty(), "publishes failed unexpectedly: " + stream.unexpected);
                int confirmedAtStop = stream.confirmed.size();
                int handledAtStop = inbox.ids().size();
                cluster.stop(victim, crash); // SIGKILL: the leader just disappears; SIGTERM: it hands over leadership first
                int confirmedAtRestart;
                int handledAtRestart;
                try {
                    // the controller fenced the dead broker: its partitions have new leaders, their ISR shrank to 2,
                    // and publishes are confirmed by the two brokers left (acks=all, min.insync.replicas=2)
                    eventually(() -> stream.confirmed.size() >= confirmedAtStop + 1_500
                                    && everyPartition(admin, topic, p -> p.leader() != null && p.leader().id() != victim
                                            && p.isr().size() >= 2),
                            Duration.ofSeconds(60), "1,500 more confirmed publishes with broker " + victim + " down");
                    confirmedAtRestart = stream.confirmed.size();
                    handledAtRestart = inbox.ids().size();
                } finally {
                    cluster.restart(victim); // whatever happened, bring the cluster back for cleanup
                }
                // the restarted broker caught up and is back in every partition's ISR
                eventually(() -> stream.confirmed.size() >= confirmedAtRestart + 1_000
                                && everyPartition(admin, topic, p -> p.isr().size() == p.replicas().size()),
                        Duration.ofSeconds(60), "broker " + victim + " back in sync and 1,000 more publishes");
                stream.finish(Duration.ofSeconds(60));

                Set<String> confirmed = stream.confirmed;
                inbox.awaitIds(confirmed, Duration.ofSeconds(60));
                Set<String> handled = inbox.ids();
                long lost = confirmed.stream().filter(id -> !handled.contains(id)).count();
                int deliveries = inbox.messages().size();
                System.out.printf("kafka replication: published %d, confirmed %d, failed %d, handled %d distinct "
                                + "(%d deliveries), lost %d, duplicates %d (broker %d of 3, %s, %s after %d confirmed and %d"
                                + " handled; %d confirmed and %d handled before its restart)%n",
                        stream.published.get(), confirmed.size(), stream.failed.get(), handled.size(), deliveries, lost,
                        deliveries - handled.size(), victim, role, crash ? "SIGKILLed" : "stopped with SIGTERM",
                        confirmedAtStop, handledAtStop, confirmedAtRestart, handledAtRestart);
                assertTrue(stream.unexpected.isEmpty(), "every publish either confirmed or failed with PublishException: "
                        + stream.unexpected);
                assertEquals(0, lost, "confirmed messages the group never saw");
                assertEquals(stream.published.get(), confirmed.size() + stream.failed.get());
                assertTrue(handledAtRestart > handledAtStop, "the group went on consuming while broker " + victim + " was down");
            }
        }
    }

    /**
     * Publishes keyed messages on a thread of its own at {@link #RATE_PER_SECOND} until finished or
     * closed, with at most {@link #MAX_OUTSTANDING} unconfirmed at a time, counting each outcome when
     * its stage completes. Close stops it whatever happened, so a failed wait leaves nothing running.
     */
    private static final class PacedPublisher implements AutoCloseable {

        final Set<String> confirmed = ConcurrentHashMap.newKeySet();
        final AtomicInteger published = new AtomicInteger();
        final AtomicInteger failed = new AtomicInteger();
        final List<Throwable> unexpected = new CopyOnWriteArrayList<>();
        private final AtomicBoolean stop = new AtomicBoolean();
        private final Semaphore outstanding = new Semaphore(MAX_OUTSTANDING);
        private final CompletableFuture<Void> loop;

        PacedPublisher(MessageBus bus, String topic) {
            loop = CompletableFuture.runAsync(() -> run(bus, topic));
        }

        private void run(MessageBus bus, String topic) {
            long interval = TimeUnit.SECONDS.toNanos(1) / RATE_PER_SECOND;
            long next = System.nanoTime();
            for (int i = 0; !stop.get(); i++) {
                try {
                    if (!outstanding.tryAcquire(60, TimeUnit.SECONDS)) {
                        unexpected.add(new AssertionError(MAX_OUTSTANDING + " publishes unconfirmed for 60 s"));
                        return;
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                published.incrementAndGet();
                try {
                    bus.publish(OutgoingMessage.of(topic, "m" + i).withKey("k" + (i % 16))).whenComplete((receipt, error) -> {
                        if (error == null) {
                            confirmed.add(receipt.id());
                        } else {
                            Throwable cause = error instanceof CompletionException && error.getCause() != null
                                    ? error.getCause() : error;
                            if (cause instanceof PublishException) {
                                failed.incrementAndGet();
                            } else {
                                unexpected.add(cause);
                            }
                        }
                        outstanding.release();
                    });
                } catch (RuntimeException e) {
                    outstanding.release();
                    unexpected.add(e);
                }
                next += interval;
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait); // pacing the stream, not synchronisation
                } else if (wait < -TimeUnit.SECONDS.toNanos(1)) {
                    next = System.nanoTime(); // stalled by the outage: do not burst to catch up
                }
            }
        }

        /** Stops publishing and waits until every publish made is confirmed or failed. */
        void finish(Duration timeout) throws Exception {
            stop.set(true);
            loop.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!outstanding.tryAcquire(MAX_OUTSTANDING, timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                fail("publishes still unsettled after " + timeout + ": " + (MAX_OUTSTANDING - outstanding.availablePermits()));
            }
            outstanding.release(MAX_OUTSTANDING);
        }

        @Override
        public void close() {
            stop.set(true);
        }
    }

    private static TopicDescription describe(Admin admin, String topic) throws Exception {
        return admin.describeTopics(List.of(topic)).allTopicNames().get(10, TimeUnit.SECONDS).get(topic);
    }

    /** Whether {@code condition} holds for every partition of {@code topic}; false while the cluster does not answer. */
    private static boolean everyPartition(Admin admin, String topic, Predicate<TopicPartitionInfo> condition) {
        try {
            return describe(admin, topic).partitions().stream().allMatch(condition);
        } catch (Exception notNow) {
            return false; // the cluster is electing; ask again
        }
    }

    /** Checks {@code condition} every 100 ms until it holds, failing after {@code timeout}. */
    private static void eventually(BooleanSupplier condition, Duration timeout, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                fail("timed out after " + timeout + " waiting for " + what);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
        }
    }
}
