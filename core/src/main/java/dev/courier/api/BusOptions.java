package dev.courier.api;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Settings of a {@link MessageBus}. Immutable; start from {@link #defaults()}.
 *
 * @param publishTimeout   how long a publish may wait for the broker's confirmation before its
 *                         stage fails with {@link PublishException}; default 30 s
 * @param transportOptions options for the transport, the same as URL query parameters (which
 *                         win over these); see each transport's documentation
 */
public record BusOptions(Duration publishTimeout, Map<String, String> transportOptions) {

    private static final BusOptions DEFAULTS = new BusOptions(Duration.ofSeconds(30), Map.of());

    public BusOptions {
        Objects.requireNonNull(publishTimeout, "publishTimeout");
        if (publishTimeout.isNegative() || publishTimeout.isZero()) {
            throw new IllegalArgumentException("publishTimeout must be positive: " + publishTimeout);
        }
        transportOptions = Map.copyOf(transportOptions);
    }

    /** A 30 s publish timeout and no transport options. */
    public static BusOptions defaults() {
        return DEFAULTS;
    }

    /** These options with another publish timeout. */
    public BusOptions withPublishTimeout(Duration timeout) {
        return new BusOptions(timeout, transportOptions);
    }

    /** These options with one more transport option. */
    public BusOptions withTransportOption(String name, String value) {
        Map<String, String> copy = new LinkedHashMap<>(transportOptions);
        copy.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
        return new BusOptions(publishTimeout, copy);
    }
}
