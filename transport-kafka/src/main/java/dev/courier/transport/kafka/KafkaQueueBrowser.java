package dev.courier.transport.kafka;

import dev.courier.api.ConnectionException;
import dev.courier.spi.Destination;
import dev.courier.spi.Envelope;
import dev.courier.spi.QueueBrowser;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;

/**
 * Reads a work queue's Kafka topic without consuming it: from the workers' committed offset (or
 * the log's start) to its end, with a consumer that is assigned the partitions and never joins the
 * group. Removing a message moves the workers' committed offset past it; Kafka cannot delete one
 * record, so messages in front of it in its partition are first sent again to the end of the
 * queue (each confirmed before the commit, so an interrupted removal duplicates, never loses). The
 * commit is refused while workers of the queue run. One thread at a time.
 */
final class KafkaQueueBrowser implements QueueBrowser {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final Duration POLL = Duration.ofMillis(200);

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Destination queue;
    private final String topic;
    private final KafkaSettings settings;
    private final Function<Envelope, CompletionStage<Void>> send;
    /** What waits in each partition, in offset order, as last read. */
    private final Map<TopicPartition, List<Read>> waiting = new LinkedHashMap<>();

    private record Read(TopicPartition partition, long offset, Envelope envelope) {
    }

    KafkaQueueBrowser(KafkaSettings settings, Destination queue, Function<Envelope, CompletionStage<Void>> send) {
        this.settings = settings;
        this.queue = queue;
        this.topic = KafkaNames.topic(queue);
        this.send = send;
        this.consumer = new KafkaConsumer<>(settings.consumerConfig(KafkaNames.groupId(queue, null), "-browser", 500));
    }

    @Override
    public List<Envelope> messages(int max) {
        try {
            read();
        } catch (KafkaException e) {
            throw failure("read", e);
        }
        return merged().stream().limit(max).map(Read::envelope).toList();
    }

    private void read() {
        waiting.clear();
        List<PartitionInfo> infos = consumer.partitionsFor(topic, TIMEOUT);
        if (infos == null || infos.isEmpty()) {
            return;
        }
        Set<TopicPartition> partitions = infos.stream().map(p -> new TopicPartition(topic, p.partition()))
                .collect(Collectors.toSet());
        consumer.assign(partitions);
        Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(partitions, TIMEOUT);
        Map<TopicPartition, Long> begin = consumer.beginningOffsets(partitions, TIMEOUT);
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions, TIMEOUT);
        Set<TopicPartition> unread = new HashSet<>();
        for (TopicPartition partition : partitions) {
            OffsetAndMetadata done = committed.get(partition);
            long start = Math.max(begin.get(partition), done == null ? 0 : done.offset());
            consumer.seek(partition, start);
            waiting.put(partition, new ArrayList<>());
            if (start < end.get(partition)) {
                unread.add(partition);
            }
        }
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!unread.isEmpty()) {
            if (System.nanoTime() - deadline > 0) {
                throw new ConnectionException("could not read " + queue + " (Kafka topic '" + topic + "') to its end within "
                        + TIMEOUT.toSeconds() + " s from " + settings.bootstrapServers());
            }
            for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
                TopicPartition partition = new TopicPartition(record.topic(), record.partition());
                if (record.offset() < end.get(partition)) {
                    waiting.get(partition).add(new Read(partition, record.offset(), KafkaRecords.toEnvelope(record, queue)));
                }
            }
            unread.removeIf(partition -> consumer.position(partition, TIMEOUT) >= end.get(partition));
        }
    }

    /** Every partition's messages, merged oldest first, each partition's in its offset order. */
    private List<Read> merged() {
        Map<TopicPartition, Integer> next = new HashMap<>();
        List<Read> all = new ArrayList<>();
        while (true) {
            Read oldest = null;
            for (Map.Entry<TopicPartition, List<Read>> partition : waiting.entrySet()) {
                int index = next.getOrDefault(partition.getKey(), 0);
                if (index < partition.getValue().size()) {
                    Read head = partition.getValue().get(index);
                    if (oldest == null || head.envelope().timestamp().isBefore(oldest.envelope().timestamp())) {
                        oldest = head;
                    }
                }
            }
            if (oldest == null) {
                return all;
            }
            all.add(oldest);
            next.merge(oldest.partition(), 1, Integer::sum);
        }
    }

    @Override
    public boolean remove(String id) {
        try {
            Read found = find(id);
            if (found == null) {
                read();
                found = find(id);
            }
            if (found == null) {
                return false;
            }
            List<Read> partition = waiting.get(found.partition());
            for (Read inFront : List.copyOf(partition.subList(0, partition.indexOf(found)))) {
                sendAgain(inFront.envelope());
            }
            consumer.commitSync(Map.of(found.partition(), new OffsetAndMetadata(found.offset() + 1)), TIMEOUT);
            partition.subList(0, partition.indexOf(found) + 1).clear();
            return true;
        } catch (KafkaException e) {
            throw failure("remove message " + id + " from", e);
        }
    }

    private Read find(String id) {
        Comparator<Read> oldestFirst = Comparator.comparing(r -> r.envelope().timestamp());
        return waiting.values().stream().flatMap(List::stream).filter(r -> r.envelope().id().equals(id))
                .min(oldestFirst).orElse(null);
    }

    /** Sends a message that was in front of a removed one to the end of the queue, confirmed. */
    private void sendAgain(Envelope envelope) {
        try {
            send.apply(envelope).toCompletableFuture().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new ConnectionException("could not move message " + envelope.id() + " to the end of " + queue
                    + " on Kafka at " + settings.bootstrapServers() + ": " + settings.scrub(String.valueOf(e.getCause())),
                    settings.safe(e.getCause()));
        } catch (TimeoutException e) {
            throw new ConnectionException("Kafka at " + settings.bootstrapServers() + " did not confirm message "
                    + envelope.id() + " moved to the end of " + queue + " within " + TIMEOUT.toSeconds() + " s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ConnectionException("interrupted while moving message " + envelope.id() + " in " + queue, e);
        }
    }

    private ConnectionException failure(String action, KafkaException e) {
        return new ConnectionException("could not " + action + " " + queue + " (Kafka topic '" + topic + "') at "
                + settings.bootstrapServers() + ": " + KafkaTransport.why(settings, e)
                + " (removing needs the queue's workers stopped)", settings.safe(e));
    }

    @Override
    public void close() {
        waiting.clear();
        consumer.close(Duration.ZERO);
    }
}
