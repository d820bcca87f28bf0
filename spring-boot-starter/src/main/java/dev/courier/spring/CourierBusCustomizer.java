package dev.courier.spring;

import dev.courier.api.BusOptions;

/**
 * Changes the {@link BusOptions} of the auto-configured bus, after the {@code courier.*}
 * properties, the codec and the listener and trace hook beans are applied; for example to
 * register a codec for one payload type. Beans of this type are applied in their order.
 */
@FunctionalInterface
public interface CourierBusCustomizer {

    /** The options to connect with, derived from {@code options}. */
    BusOptions customize(BusOptions options);
}
