package dev.courier.spi;

import java.util.Objects;

/**
 * What to consume.
 *
 * @param source      the topic or queue to consume from
 * @param group       for a topic, the consumer group whose members compete for its messages;
 *                    for a queue, {@code null}
 * @param maxInFlight the most deliveries handed to the sink and not yet acked or rejected; the
 *                    transport stops fetching at this bound (prefetch, batch size, pause)
 */
public record ConsumerSpec(Destination source, String group, int maxInFlight) {

    public ConsumerSpec {
        Objects.requireNonNull(source, "source");
        if (source.isQueue() != (group == null)) {
            throw new IllegalArgumentException("a topic needs a group and a queue has none: " + source + ", group " + group);
        }
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("maxInFlight must be at least 1: " + maxInFlight);
        }
    }

    @Override
    public String toString() {
        return group == null ? source.toString() : source + " group " + group;
    }
}
