package dev.courier.api;

/**
 * Where a {@link BusListener} event happened.
 *
 * @param transport the URL scheme of the bus, for example {@code kafka}
 * @param topic     the topic or work queue
 * @param group     the consuming group, or {@code null} for publishes and work queues
 */
public record Route(String transport, String topic, String group) {
}
