package dev.courier.api;

/** The state of a connection or a subscription. */
public enum HealthStatus {
    /** Connected and working. */
    UP,
    /**
     * Working, but some messages cannot be settled: a subscription goes on with other keys while
     * a message it could not dead-letter waits for another try; see the detail.
     * {@link Health#isUp()} is false while any subscription is degraded.
     */
    DEGRADED,
    /** The connection was lost; reconnecting on its own. Messages are kept by the broker meanwhile. */
    RECONNECTING,
    /** Not working and not recovering by itself; see the detail. */
    FAILED,
    /** Closed on purpose. */
    CLOSED
}
