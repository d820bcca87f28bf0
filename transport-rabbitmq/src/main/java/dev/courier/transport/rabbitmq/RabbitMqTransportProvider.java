package dev.courier.transport.rabbitmq;

import dev.courier.spi.Transport;
import dev.courier.spi.TransportProvider;
import java.net.URI;
import java.util.Map;
import java.util.Set;

/**
 * {@code amqp://user:password@host:5672/vhost?options} and {@code amqps://...} (TLS): RabbitMQ
 * through the AMQP 0-9-1 client.
 *
 * <p>Options (URL query parameters or {@code BusOptions} transport options):
 * <ul>
 *   <li>{@code prefetch}: the most unacknowledged deliveries per consumer, at most the
 *       subscription's maxInFlight; default 1000;</li>
 *   <li>{@code confirmTimeout}: how long a publish waits for the broker's confirm; default 30s;</li>
 *   <li>{@code queueType}: {@code classic} (default) or {@code quorum};</li>
 *   <li>{@code connectionName}: shown in the management UI; default {@code courier};</li>
 *   <li>{@code connectTimeout}: TCP, TLS and AMQP handshake; default 5s;</li>
 *   <li>{@code recoveryInterval}: between reconnection attempts; default 1s;</li>
 *   <li>{@code maxMessageBytes}: the largest payload; default 134217728 (RabbitMQ's
 *       {@code max_message_size} default, 128 MiB);</li>
 *   <li>{@code trustStore}, {@code trustStorePassword}: for {@code amqps://}, a trust store file
 *       instead of the JVM's.</li>
 * </ul>
 * Durations are written as {@link dev.courier.spi.Durations} reads them ({@code 500ms}, {@code 30s},
 * {@code 5m}, {@code 2h}, {@code 1d}, {@code PT30S}). An unknown option fails with
 * {@link IllegalArgumentException} naming it.
 */
public final class RabbitMqTransportProvider implements TransportProvider {

    @Override
    public Set<String> schemes() {
        return Set.of("amqp", "amqps");
    }

    @Override
    public Transport open(URI url, Map<String, String> options) {
        return RabbitMqTransport.open(RabbitMqSettings.parse(url, options));
    }
}
