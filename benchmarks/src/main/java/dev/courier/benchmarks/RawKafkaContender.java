package dev.courier.benchmarks;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The raw kafka-clients with Courier's guarantees: a producer with {@code acks=all} and
 * idempotence (other settings at the client's defaults, as in Courier's transport), and a consumer
 * in a group with auto-commit off that handles each polled batch on its poll thread and then
 * commits its offsets asynchronously. The topic has as many partitions as Courier's.
 */
final class RawKafkaContender implements Contender {

    private final String bootstrap;
    private final String topic;
    private final String group;
    private final int partitions;
    private final int maxPollRecords;
    private KafkaProducer<byte[], byte[]> producer;
    private KafkaConsumer<byte[], byte[]> consumer;
    private Thread poller;
    private volatile boolean running = true;
    private final EnvelopeHeaders envelope;
    private final PayloadFormat format;

    /** @param envelope headers to send with every message (the {@code --raw-envelope} diagnostic), or null */
    RawKafkaContender(String bootstrap, String topic, String group, int partitions, int maxPollRecords,
                      PayloadFormat format, boolean envelope) {
        this.format = format;
        this.envelope = envelope ? EnvelopeHeaders.kafka(topic) : null;
        this.bootstrap = bootstrap;
        this.topic = topic;
        this.group = group;
        this.partitions = partitions;
        this.maxPollRecords = maxPollRecords;
    }

    @Override
    public void start(Receiver receiver) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        producer = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap, "acks", "all", "enable.idempotence", true),
                new ByteArraySerializer(), new ByteArraySerializer());
        consumer = new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrap, "group.id", group,
                "enable.auto.commit", false, "auto.offset.reset", "earliest", "max.poll.records", maxPollRecords),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
        CountDownLatch assigned = new CountDownLatch(1);
        consumer.subscribe(List.of(topic), new ConsumerRebalanceListener() {
            @Override
            public void onPartitionsRevoked(java.util.Collection<TopicPartition> partitions) {
            }

            @Override
            public void onPartitionsAssigned(java.util.Collection<TopicPartition> partitions) {
                if (!partitions.isEmpty()) {
                    assigned.countDown();
                }
            }
        });
        poller = new Thread(() -> poll(receiver), "raw-kafka-poll");
        poller.start();
        if (!assigned.await(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the raw Kafka consumer got no partitions within 60 s");
        }
    }

    private void poll(Receiver receiver) {
        try {
            while (running) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(100));
                for (ConsumerRecord<byte[], byte[]> record : records) {
                    receiver.received(format.sentAt(record.value()));
                }
                if (!records.isEmpty()) {
                    consumer.commitAsync();
                }
            }
            consumer.commitSync(Duration.ofSeconds(10));
        } catch (WakeupException stopping) {
            // close() woke us up
        } finally {
            consumer.close(CloseOptions.timeout(Duration.ofSeconds(5)));
        }
    }

    @Override
    public void publish(long sentAt, Confirm confirm) {
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic, format.encode(sentAt));
        if (envelope != null) {
            envelope.headers(envelope.nextId()).forEach((name, value) ->
                    record.headers().add(name, value.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        }
        producer.send(record, (metadata, failure) -> confirm.completed(failure));
    }

    @Override
    public void close() {
        running = false;
        if (poller != null) {
            try {
                poller.join(TimeUnit.SECONDS.toMillis(20));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (producer != null) {
            producer.close(Duration.ofSeconds(10));
        }
        deleteTopics(bootstrap, Set.of(topic), Set.of(group));
    }

    /** Deletes topics and consumer groups, best effort. */
    static void deleteTopics(String bootstrap, Set<String> topics, Set<String> groups) {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            admin.deleteConsumerGroups(groups).all().get(10, TimeUnit.SECONDS);
            admin.deleteTopics(topics).all().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            // best effort: the benchmark's own broker is thrown away anyway
        }
    }
}
