package dev.courier.internal.memory;

import dev.courier.spi.Transport;
import dev.courier.spi.TransportOptions;
import dev.courier.spi.TransportProvider;
import java.net.URI;
import java.util.Map;
import java.util.Set;

/**
 * {@code memory://[name][?maxMessageBytes=N]}: an in-process broker. Buses connected to the same
 * name share topics, groups and queues for the life of the JVM, so a bus closed and opened again
 * finds its messages, as with a real broker. The default message size limit is 1 MiB, the
 * smallest default among the supported brokers, so what works here also fits there.
 */
public final class MemoryTransportProvider implements TransportProvider {

    static final long DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024;

    @Override
    public Set<String> schemes() {
        return Set.of("memory");
    }

    @Override
    public Transport open(URI url, Map<String, String> options) {
        String name = url.getHost() != null ? url.getHost() : url.getAuthority() != null ? url.getAuthority() : "default";
        TransportOptions given = new TransportOptions("memory", options);
        long maxBytes = given.longValue("maxMessageBytes", DEFAULT_MAX_MESSAGE_BYTES, 1, Long.MAX_VALUE);
        given.requireAllKnown();
        return new MemoryTransport(MemoryBroker.named(name), maxBytes);
    }
}
