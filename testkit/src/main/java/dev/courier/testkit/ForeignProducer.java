package dev.courier.testkit;

import java.util.List;
import java.util.Map;

/**
 * A producer that does not use Courier: the broker's own client, sending to the places Courier's
 * {@code publish} and {@code WorkQueue.submit} send to, with whatever headers another team's
 * service would write. The {@link InteropSuite} uses it to check that Courier's contract holds
 * for messages Courier did not write.
 *
 * <p>Header values are text; the producer writes them as its broker's client writes text
 * (UTF-8 bytes on Kafka and NATS, AMQP long strings on RabbitMQ), unescaped.
 */
public interface ForeignProducer extends AutoCloseable {

    /**
     * Sends {@code body} to the topic Courier's {@code publish(topic, ...)} writes to.
     *
     * @param key     the broker's own ordering field (Kafka record key, and so on), or {@code null}
     * @param headers sent as they are, with no Courier or CloudEvents header added
     */
    void publish(String topic, String key, Map<String, String> headers, byte[] body) throws Exception;

    /**
     * Sends {@code body} to {@code topic} with {@code contentType} where the broker carries a
     * content type (Kafka and NATS: a {@code content-type} header; AMQP: the content-type
     * property), and nothing else: for structured-mode CloudEvents and other foreign media types.
     */
    void publishWithContentType(String topic, String contentType, byte[] body) throws Exception;

    /** Sends {@code body} to the work queue Courier's {@code workQueue(queue)} reads. */
    void submit(String queue, Map<String, String> headers, byte[] body) throws Exception;

    /**
     * Sends a CloudEvent in the binding's binary content mode to {@code topic}: each attribute
     * under {@code prefix} (one of {@link #cloudEventsPrefixes()}), {@code datacontenttype} where
     * the binding puts the content type, values encoded as the binding says.
     */
    void publishCloudEvent(String topic, String prefix, Map<String, String> attributes, byte[] data) throws Exception;

    /** Every attribute prefix this broker's CloudEvents binding allows, for example {@code ce_}. */
    List<String> cloudEventsPrefixes();

    /**
     * The largest body this producer can send with a few small headers, as the broker's default
     * configuration accepts it. A broker whose limit is impractical for a test (RabbitMQ's
     * 128 MiB) returns a smaller size it accepts.
     */
    int largestBody();

    /** Whether {@link #largestBody()} is the broker's actual limit (so a dead letter of that size cannot fit). */
    boolean largestBodyIsTheBrokersLimit();

    @Override
    void close() throws Exception;
}
