package dev.courier.spi;

import java.net.URI;
import java.util.Map;
import java.util.Set;

/**
 * Creates transports for the URL schemes it supports. Implementations are listed in
 * {@code META-INF/services/dev.courier.spi.TransportProvider} and must have a public no-argument
 * constructor.
 */
public interface TransportProvider {

    /** The URL schemes this provider handles, lower case, for example {@code amqp} and {@code amqps}. */
    Set<String> schemes();

    /**
     * Connects to the broker at {@code url}. Returns only once the broker is reachable, and fails
     * within a bounded time with {@link dev.courier.api.ConnectionException} naming the address
     * (never a password) when it is not.
     *
     * @param url     the URL given by the user; its query parameters are already in {@code options}
     * @param options the query parameters of {@code url} merged with the options given in code
     * @throws IllegalArgumentException when the URL or an option is malformed, naming the bad part
     */
    Transport open(URI url, Map<String, String> options);
}
