package dev.courier.transport.kafka;

import dev.courier.api.ConnectionException;
import dev.courier.spi.Consumer;
import dev.courier.spi.DeliverySink;
import dev.courier.spi.Destination;
import dev.courier.spi.SettleOnceDelivery;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A temporary subscription to a topic: a consumer without a group, assigned every partition at
 * its end, polling on a thread of its own. No group, no committed offset: nothing stays on the
 * cluster, and no group of the topic notices it.
 */
final class KafkaTail implements Consumer {

    private static final Logger log = LoggerFactory.getLogger(KafkaTail.class);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread poller;

    private KafkaTail(KafkaConsumer<byte[], byte[]> consumer, Thread poller) {
        this.consumer = consumer;
        this.poller = poller;
    }

    /** Returns once every partition's end is fixed: each message sent afterwards reaches {@code sink}. */
    static KafkaTail start(KafkaSettings settings, Destination topic, DeliverySink sink) {
        Map<String, Object> config = settings.consumerConfig("unused", "-tail", 500);
        config.remove("group.id");
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config);
        CompletableFuture<Void> started = new CompletableFuture<>();
        KafkaTail[] self = new KafkaTail[1];
        Thread poller = new Thread(() -> {
            try {
                String name = KafkaNames.topic(topic);
                List<TopicPartition> partitions = consumer.partitionsFor(name, START_TIMEOUT).stream()
                        .map(p -> new TopicPartition(name, p.partition())).toList();
                consumer.assign(partitions);
                consumer.seekToEnd(partitions);
                partitions.forEach(partition -> consumer.position(partition, START_TIMEOUT));
                started.complete(null);
                KafkaRecords.RecentValues recent = new KafkaRecords.RecentValues();
                while (self[0] == null || self[0].running.get()) {
                    for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                        sink.deliver(new SettleOnceDelivery(KafkaRecords.toEnvelope(record, topic, recent), 1) {
                            @Override
                            protected void settle(boolean ack) {
                                // no group: nothing to commit
                            }
                        });
                    }
                }
            } catch (WakeupException stopped) {
                // close() woke the poll
            } catch (RuntimeException e) {
                if (!started.completeExceptionally(e)) {
                    log.error("Tail of {} stopped: {}", topic, KafkaTransport.why(settings, e));
                }
            } finally {
                consumer.close(Duration.ZERO);
            }
        }, "courier-kafka-tail");
        poller.setDaemon(true);
        KafkaTail tail = new KafkaTail(consumer, poller);
        self[0] = tail;
        poller.start();
        try {
            started.get(START_TIMEOUT.toMillis() + 1_000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            tail.close();
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            throw new ConnectionException("could not tail " + topic + " on Kafka at " + settings.bootstrapServers() + ": "
                    + KafkaTransport.why(settings, cause), settings.safe(cause));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            tail.close();
            throw new ConnectionException("interrupted while starting to tail " + topic, e);
        }
        return tail;
    }

    @Override
    public void stopFetching() {
        running.set(false);
    }

    @Override
    public void close() {
        if (running.getAndSet(false)) {
            consumer.wakeup();
        }
        try {
            poller.join(Duration.ofSeconds(10).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
