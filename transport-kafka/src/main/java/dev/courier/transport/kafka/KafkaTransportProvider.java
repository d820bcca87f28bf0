package dev.courier.transport.kafka;

import dev.courier.spi.Transport;
import dev.courier.spi.TransportProvider;
import java.net.URI;
import java.util.Map;
import java.util.Set;

/**
 * Opens {@code kafka://host1:9092[,host2:9092...][?options]} connections to Apache Kafka.
 *
 * <p>Options (in the URL query or given in code): {@code partitions} and {@code replicationFactor}
 * of the topics Courier creates; the producer's {@code linger}, {@code batchSize} and
 * {@code compression}; {@code clientId}; {@code maxMessageBytes}; {@code connectTimeout}; the
 * security settings {@code securityProtocol}, {@code saslMechanism}, {@code saslJaasConfig} and
 * {@code ssl*}; and any Kafka client setting prefixed with {@code kafka.} (for every client), or
 * {@code kafka.producer.}, {@code kafka.consumer.}, {@code kafka.admin.} (for one). SASL credentials
 * may also be given as {@code kafka://user:password@host:9092}. Durations are written as
 * {@link dev.courier.spi.Durations} reads them; the old {@code lingerMs} and {@code connectTimeoutMs}
 * (milliseconds) still work, with a warning. An unknown option fails with
 * {@link IllegalArgumentException} naming it. The module's README lists the defaults and how
 * Courier's topics, groups and work queues map onto Kafka.
 *
 * <p>Stateless and thread safe; found by {@link java.util.ServiceLoader}.
 */
public final class KafkaTransportProvider implements TransportProvider {

    /** Used by {@link java.util.ServiceLoader}. */
    public KafkaTransportProvider() {
    }

    @Override
    public Set<String> schemes() {
        return Set.of("kafka");
    }

    @Override
    public Transport open(URI url, Map<String, String> options) {
        return KafkaTransport.connect(KafkaSettings.parse(url, options));
    }
}
