package dev.courier.transport.nats;

import dev.courier.spi.Transport;
import dev.courier.spi.TransportProvider;
import java.net.URI;
import java.util.Map;
import java.util.Set;

/**
 * {@code nats://} and {@code tls://}: NATS with JetStream.
 *
 * <p>URL: {@code nats://[user:password@|token@]host[:port][,host[:port]...][?option=value&...]}
 * (port 4222 by default; {@code tls://} for TLS). Options, in
 * the URL query or as {@link dev.courier.api.BusOptions#transportOptions()}:
 * <ul>
 *   <li>{@code storage}: {@code file} (default) or {@code memory}, for the streams Courier creates;</li>
 *   <li>{@code replicas}: stream replicas, default 1;</li>
 *   <li>{@code maxAge}: the longest a stream keeps a message, such as {@code 7d}; default no limit;</li>
 *   <li>{@code ackWait}: how long the server waits for an ack before redelivering, default {@code 30s};</li>
 *   <li>{@code connectTimeout}: per connection attempt to one server, default {@code 5s};</li>
 *   <li>{@code trustStore}, {@code trustStorePassword}: for {@code tls://}, a PKCS12 trust store file
 *       to trust instead of the JVM's, for a private CA or a self-signed certificate.</li>
 * </ul>
 * Durations are written {@code 500ms}, {@code 30s}, {@code 5m}, {@code 2h}, {@code 7d} or ISO-8601
 * ({@code PT30S}). An unknown option fails with {@link IllegalArgumentException}.
 */
public final class NatsTransportProvider implements TransportProvider {

    @Override
    public Set<String> schemes() {
        return Set.of("nats", "tls");
    }

    @Override
    public Transport open(URI url, Map<String, String> options) {
        return NatsTransport.connect(NatsSettings.parse(url, options));
    }
}
