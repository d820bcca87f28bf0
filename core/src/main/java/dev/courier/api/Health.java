package dev.courier.api;

import java.util.List;
import java.util.Objects;

/**
 * A snapshot of a bus's health, cheap enough to back a readiness probe: the connection to the
 * broker and each running subscription.
 *
 * @param status        the connection's state
 * @param transport     the URL scheme, for example {@code amqp}
 * @param detail        a human-readable explanation, for example the last connection error; may be empty
 * @param subscriptions each open subscription's state
 */
public record Health(HealthStatus status, String transport, String detail, List<SubscriptionHealth> subscriptions) {

    public Health {
        Objects.requireNonNull(status, "status");
        subscriptions = List.copyOf(subscriptions);
    }

    /**
     * True when the connection and every subscription are {@link HealthStatus#UP}; a
     * {@link HealthStatus#DEGRADED} subscription (messages it could not dead-letter) makes it false.
     */
    public boolean isUp() {
        return status == HealthStatus.UP && subscriptions.stream().allMatch(s -> s.status() == HealthStatus.UP);
    }

    /**
     * One subscription's state.
     *
     * @param topic    the topic or work queue
     * @param group    the group, or {@code null} for a work queue
     * @param status   its consumer's state, or {@link HealthStatus#DEGRADED} while the consumer is up
     *                 but messages wait because they could not be dead-lettered
     * @param inFlight messages received and not yet settled
     * @param detail   explanation; may be empty
     */
    public record SubscriptionHealth(String topic, String group, HealthStatus status, int inFlight, String detail) {
    }
}
