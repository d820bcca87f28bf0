package dev.courier.jdbc;

import dev.courier.api.HealthStatus;
import java.util.Objects;

/**
 * A snapshot of an {@link OutboxRelay}: cheap enough for a readiness probe.
 *
 * @param status  {@link HealthStatus#UP} while rounds succeed; {@link HealthStatus#RECONNECTING}
 *                while the database cannot be reached (retried with backoff);
 *                {@link HealthStatus#DEGRADED} while the broker fails or refuses a row (that
 *                row's key waits, other keys go on); {@link HealthStatus#CLOSED} once closed
 * @param detail  the last failure, or empty
 * @param relayed rows published and deleted by this relay so far
 */
public record RelayHealth(HealthStatus status, String detail, long relayed) {

    public RelayHealth {
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(detail, "detail");
    }

    /** True when the status is {@link HealthStatus#UP}. */
    public boolean isUp() {
        return status == HealthStatus.UP;
    }
}
