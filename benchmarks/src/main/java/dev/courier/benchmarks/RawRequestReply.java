package dev.courier.benchmarks;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.ConnectionFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The raw clients' request/reply, beside Courier's in {@link RequestReplyBenchmark}: what each
 * broker's client does best, with no Courier code. Requests and replies are matched by a
 * correlation id the requester keeps in a map.
 */
final class RawRequestReply {

    private static final String CORRELATION = "correlation-id";

    private RawRequestReply() {
    }

    /**
     * RabbitMQ direct reply-to: requests to a non-durable queue, unconfirmed and not persisted;
     * replies to {@code amq.rabbitmq.reply-to} (no queue at all), both consumed without acks.
     */
    static void rabbitMq(String url, int requests) throws Exception {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setUri(url.endsWith("/") ? url.substring(0, url.length() - 1) : url); // "amqp://h/" names vhost ""
        try (com.rabbitmq.client.Connection responding = factory.newConnection();
             com.rabbitmq.client.Connection requesting = factory.newConnection()) {
            Channel responder = responding.createChannel();
            String queue = responder.queueDeclare("bench.rr.raw." + UUID.randomUUID().toString().substring(0, 8), false, true,
                    true, null).getQueue();
            responder.basicConsume(queue, true, (tag, delivery) -> responder.basicPublish("",
                    delivery.getProperties().getReplyTo(), new AMQP.BasicProperties.Builder()
                            .correlationId(delivery.getProperties().getCorrelationId()).build(), delivery.getBody()), tag -> {
            });
            Channel requester = requesting.createChannel();
            Map<String, CompletableFuture<byte[]>> pending = new ConcurrentHashMap<>();
            requester.basicConsume("amq.rabbitmq.reply-to", true, (tag, delivery) -> {
                CompletableFuture<byte[]> waiting = pending.remove(delivery.getProperties().getCorrelationId());
                if (waiting != null) {
                    waiting.complete(delivery.getBody());
                }
            }, tag -> {
            });
            AtomicLong ids = new AtomicLong();
            RequestReplyBenchmark.measure(url, "raw amqp-client, direct reply-to (not persisted, no confirms)", requests,
                    payload -> {
                        String id = Long.toString(ids.incrementAndGet());
                        CompletableFuture<byte[]> reply = new CompletableFuture<>();
                        pending.put(id, reply);
                        requester.basicPublish("", queue, new AMQP.BasicProperties.Builder().replyTo("amq.rabbitmq.reply-to")
                                .correlationId(id).build(), payload);
                        return reply;
                    });
        }
    }

    /**
     * Kafka with a reply topic: requests to a 3-partition topic read by a responder in a consumer
     * group, replies produced to partition 0 of a reply topic that the requester reads by
     * assignment; producers with the client's defaults, as Courier's (acks=all, idempotent, linger.ms=5).
     */
    static void kafka(String bootstrap, int requests) throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String requestTopic = "bench.rr.raw." + run;
        String replyTopic = requestTopic + ".replies";
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            admin.createTopics(List.of(new NewTopic(requestTopic, 3, (short) 1), new NewTopic(replyTopic, 1, (short) 1)))
                    .all().get(30, TimeUnit.SECONDS);
        }
        Map<String, Object> producing = Map.of("bootstrap.servers", bootstrap);
        Map<String, CompletableFuture<byte[]>> pending = new ConcurrentHashMap<>();
        TopicPartition replies = new TopicPartition(replyTopic, 0);
        CountDownLatch assigned = new CountDownLatch(1);
        try (KafkaProducer<byte[], byte[]> sender = new KafkaProducer<>(producing, new ByteArraySerializer(), new ByteArraySerializer());
             KafkaProducer<byte[], byte[]> answers = new KafkaProducer<>(producing, new ByteArraySerializer(), new ByteArraySerializer());
             Poller responder = new Poller(new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrap, "group.id", "bench-" + run,
                     "auto.offset.reset", "earliest"), new ByteArrayDeserializer(), new ByteArrayDeserializer()),
                     consumer -> consumer.subscribe(List.of(requestTopic), new ConsumerRebalanceListener() {
                         @Override
                         public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                         }

                         @Override
                         public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                             assigned.countDown();
                         }
                     }),
                     record -> answers.send(new ProducerRecord<byte[], byte[]>(replyTopic, 0, (byte[]) null, record.value(),
                             List.<Header>of(record.headers().lastHeader(CORRELATION)))));
             Poller requester = new Poller(new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrap),
                     new ByteArrayDeserializer(), new ByteArrayDeserializer()), consumer -> {
                         consumer.assign(List.of(replies));
                         consumer.seekToEnd(List.of(replies));
                         consumer.position(replies);
                     }, record -> {
                         Header id = record.headers().lastHeader(CORRELATION);
                         CompletableFuture<byte[]> waiting = id == null ? null
                                 : pending.remove(new String(id.value(), StandardCharsets.UTF_8));
                         if (waiting != null) {
                             waiting.complete(record.value());
                         }
                     })) {
            responder.start();
            requester.start();
            if (!assigned.await(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the raw Kafka responder got no partitions within 60 s");
            }
            AtomicLong ids = new AtomicLong();
            RequestReplyBenchmark.measure("kafka://" + bootstrap, "raw kafka-clients, reply topic read by assignment",
                    requests, payload -> {
                        String id = Long.toString(ids.incrementAndGet());
                        CompletableFuture<byte[]> reply = new CompletableFuture<>();
                        pending.put(id, reply);
                        ProducerRecord<byte[], byte[]> request = new ProducerRecord<>(requestTopic, payload);
                        request.headers().add(CORRELATION, id.getBytes(StandardCharsets.UTF_8));
                        sender.send(request);
                        return reply;
                    });
        }
    }

    /** A consumer polled on its own thread, each record handed to {@code handler}; started once set up. */
    private static final class Poller implements AutoCloseable {
        private final KafkaConsumer<byte[], byte[]> consumer;
        private final Thread thread;
        private volatile boolean stopped;

        Poller(KafkaConsumer<byte[], byte[]> consumer, java.util.function.Consumer<KafkaConsumer<byte[], byte[]>> setUp,
               java.util.function.Consumer<ConsumerRecord<byte[], byte[]>> handler) {
            this.consumer = consumer;
            this.thread = new Thread(() -> {
                try {
                    setUp.accept(consumer);
                    while (!stopped) {
                        consumer.poll(Duration.ofMillis(100)).forEach(handler);
                    }
                } catch (WakeupException closing) {
                    // close() was called
                } finally {
                    consumer.close(Duration.ZERO);
                }
            }, "bench-kafka-poller");
            thread.setDaemon(true);
        }

        void start() {
            thread.start();
        }

        @Override
        public void close() throws InterruptedException {
            stopped = true;
            consumer.wakeup();
            thread.join(10_000);
        }
    }
}
