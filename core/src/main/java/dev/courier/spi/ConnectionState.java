package dev.courier.spi;

import dev.courier.api.HealthStatus;
import java.util.Objects;

/**
 * The state a transport reports for its connection or one of its consumers.
 *
 * @param status the state
 * @param detail an explanation, for example the last error; empty when there is nothing to say
 */
public record ConnectionState(HealthStatus status, String detail) {

    /** Working. */
    public static final ConnectionState UP = new ConnectionState(HealthStatus.UP, "");

    public ConnectionState {
        Objects.requireNonNull(status, "status");
        detail = detail == null ? "" : detail;
    }
}
