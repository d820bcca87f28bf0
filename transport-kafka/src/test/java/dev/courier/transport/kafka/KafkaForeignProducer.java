package dev.courier.transport.kafka;

import dev.courier.testkit.ForeignProducer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Another team's service on Kafka: the plain {@code kafka-clients} producer, with no Courier code.
 * It writes where Courier reads: {@code publish(topic, ...)} to the Kafka topic of the same name,
 * {@code submit(queue, ...)} to the topic {@code courier.q.<queue>} (see {@link KafkaNames}).
 * Header values are UTF-8 bytes. CloudEvents follow the Kafka protocol binding's binary mode:
 * {@code ce_<attribute>} headers, and {@code datacontenttype} as the {@code content-type} header.
 */
public final class KafkaForeignProducer implements ForeignProducer {

    /**
     * Kafka's default limit on a record: the producer's {@code max.request.size} (1 MiB); the
     * broker's {@code message.max.bytes} (1 MiB + 12) is its batch framing more.
     */
    private static final int RECORD_LIMIT = 1_048_576;
    /** Room left for the record's framing (about 90 bytes) and a few small headers. */
    private static final int ROOM_FOR_HEADERS = 512;

    private final KafkaProducer<byte[], byte[]> producer;

    /** A producer for the brokers at {@code bootstrapServers} ({@code host:port[,...]}). */
    public KafkaForeignProducer(String bootstrapServers) {
        this.producer = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrapServers, "acks", "all",
                "client.id", "foreign-producer", "max.block.ms", 30_000), new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** A producer for the broker the tests share. */
    public static KafkaForeignProducer forSharedBroker() {
        return new KafkaForeignProducer(KafkaTestBroker.bootstrapServers());
    }

    @Override
    public void publish(String topic, String key, Map<String, String> headers, byte[] body) throws Exception {
        send(topic, key, headers, body);
    }

    @Override
    public void publishWithContentType(String topic, String contentType, byte[] body) throws Exception {
        send(topic, null, Map.of("content-type", contentType), body);
    }

    @Override
    public void submit(String queue, Map<String, String> headers, byte[] body) throws Exception {
        send(KafkaNames.QUEUE_PREFIX + queue, null, headers, body);
    }

    @Override
    public void publishCloudEvent(String topic, String prefix, Map<String, String> attributes, byte[] data)
            throws Exception {
        if (!cloudEventsPrefixes().contains(prefix)) {
            throw new IllegalArgumentException("the Kafka binding has no prefix '" + prefix + "'; it uses " + cloudEventsPrefixes());
        }
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic, null, data);
        attributes.forEach((name, value) -> record.headers().add(
                name.equals("datacontenttype") ? "content-type" : prefix + name, utf8(value)));
        producer.send(record).get(30, TimeUnit.SECONDS);
    }

    private void send(String topic, String key, Map<String, String> headers, byte[] body) throws Exception {
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic, key == null ? null : utf8(key), body);
        headers.forEach((name, value) -> record.headers().add(name, utf8(value)));
        producer.send(record).get(30, TimeUnit.SECONDS);
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public List<String> cloudEventsPrefixes() {
        return List.of("ce_");
    }

    /** 1,048,064 bytes: a record of about Kafka's default limit with a few small headers. */
    @Override
    public int largestBody() {
        return RECORD_LIMIT - ROOM_FOR_HEADERS;
    }

    @Override
    public boolean largestBodyIsTheBrokersLimit() {
        return true;
    }

    @Override
    public void close() {
        producer.close();
    }
}
