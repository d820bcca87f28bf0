package dev.courier.internal.memory;

import dev.courier.spi.AckDeadline;
import dev.courier.spi.Capabilities;
import dev.courier.spi.EnvelopeForm;
import dev.courier.spi.NameRule;
import dev.courier.spi.Transport;
import dev.courier.spi.TransportOptions;
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
 * delivered again, and core must extend it); {@code delayedDelivery=false} (no delayed delivery,
 * like a broker without it).
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
        int maxHeaders = given.integer("maxHeaders", Capabilities.UNLIMITED_HEADERS, 0, Integer.MAX_VALUE);
        long maxHeaderBytes = given.longValue("maxHeaderBytes", Capabilities.UNLIMITED_HEADER_BYTES, 0, Long.MAX_VALUE);
        int maxNameLength = given.integer("maxNameLength", NameRule.COURIER.maxLength(), 16, Integer.MAX_VALUE);
        String nameCharacters = given.string("nameCharacters", NameRule.COURIER.otherCharacters());
        long ackDeadlineMs = given.longValue("ackDeadlineMs", 0, 0, Long.MAX_VALUE);
        String replies = given.string("replies", "inbox");
        if (!replies.equals("inbox") && !replies.equals("temporaryQueue")) {
            throw new IllegalArgumentException("memory option replies must be 'inbox' (in-process reply path) or"
                    + " 'temporaryQueue' (core's fallback, as for a transport without a reply path): " + replies);
        }
        boolean delays = given.bool("delayedDelivery", true);
        EnvelopeForm.of(given); // accepted, so one URL's options work on every broker; envelopes stay in memory
        given.requireAllKnown();
        Capabilities capabilities = new Capabilities(maxBytes)
                .withHeaderLimits(maxHeaders, maxHeaderBytes)
                .withNames(new NameRule(maxNameLength, nameCharacters))
                .withFeatures(Capabilities.Feature.EPHEMERAL_DESTINATIONS)
                .withAckDeadline(ackDeadlineMs == 0 ? AckDeadline.none() : AckDeadline.coreExtends(Duration.ofMillis(ackDeadlineMs)));
        if (delays) {
            capabilities = capabilities.withDelayedDelivery(MemoryBroker.DELAY_GRANULARITY, MemoryBroker.MAX_DELAY);
        }
        return new MemoryTransport(MemoryBroker.named(name), capabilities, replies.equals("inbox"));
    }
}
