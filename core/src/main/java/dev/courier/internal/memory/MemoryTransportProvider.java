package dev.courier.internal.memory;

import dev.courier.spi.AckDeadline;
import dev.courier.spi.Capabilities;
import dev.courier.spi.NameRule;
import dev.courier.spi.Transport;
import dev.courier.spi.TransportProvider;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

/**
 * {@code memory://[name][?option=value&...]}: an in-process broker. Buses connected to the same
 * name share topics, groups and queues for the life of the JVM, so a bus closed and opened again
 * finds its messages, as with a real broker. The default message size limit is 1 MiB, the
 * smallest default among the supported brokers, so what works here also fits there. Temporary
 * queues are offered (removed when the bus closes).
 *
 * <p>Options, to play a stricter broker in tests: {@code maxMessageBytes}; {@code maxHeaders} and
 * {@code maxHeaderBytes} (header limits); {@code maxNameLength} and {@code nameCharacters} (the
 * characters allowed besides ASCII letters and digits; the broker refuses other names, so core
 * must map them, see {@link dev.courier.spi.NameRule}); {@code ackDeadlineMs} (a delivery neither
 * settled nor {@linkplain dev.courier.spi.Delivery#inProgress() in progress} for that long is
 * delivered again, and core must extend it).
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
        long maxBytes = DEFAULT_MAX_MESSAGE_BYTES;
        int maxHeaders = Capabilities.UNLIMITED_HEADERS;
        long maxHeaderBytes = Capabilities.UNLIMITED_HEADER_BYTES;
        int maxNameLength = NameRule.COURIER.maxLength();
        String nameCharacters = NameRule.COURIER.otherCharacters();
        Duration ackDeadline = null;
        for (Map.Entry<String, String> option : options.entrySet()) {
            String value = option.getValue();
            switch (option.getKey()) {
                case "maxMessageBytes" -> maxBytes = positive("maxMessageBytes", value, Long.MAX_VALUE);
                case "maxHeaders" -> maxHeaders = (int) positive("maxHeaders", value, Integer.MAX_VALUE);
                case "maxHeaderBytes" -> maxHeaderBytes = positive("maxHeaderBytes", value, Long.MAX_VALUE);
                case "maxNameLength" -> maxNameLength = (int) positive("maxNameLength", value, Integer.MAX_VALUE);
                case "nameCharacters" -> nameCharacters = value;
                case "ackDeadlineMs" -> ackDeadline = Duration.ofMillis(positive("ackDeadlineMs", value, Long.MAX_VALUE));
                default -> throw new IllegalArgumentException("unknown option '" + option.getKey() + "' for memory://; known: "
                        + "maxMessageBytes, maxHeaders, maxHeaderBytes, maxNameLength, nameCharacters, ackDeadlineMs");
            }
        }
        Capabilities capabilities = new Capabilities(maxBytes)
                .withHeaderLimits(maxHeaders, maxHeaderBytes)
                .withNames(new NameRule(maxNameLength, nameCharacters))
                .withFeatures(Capabilities.Feature.EPHEMERAL_DESTINATIONS)
                .withAckDeadline(ackDeadline == null ? AckDeadline.none() : AckDeadline.coreExtends(ackDeadline));
        return new MemoryTransport(MemoryBroker.named(name), capabilities);
    }

    private static long positive(String option, String value, long max) {
        long number;
        try {
            number = Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("option " + option + " must be a number: '" + value + "'");
        }
        if (number <= 0 || number > max) {
            throw new IllegalArgumentException("option " + option + " must be positive: " + number);
        }
        return number;
    }
}
