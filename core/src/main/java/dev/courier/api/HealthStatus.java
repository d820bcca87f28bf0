package dev.courier.api;

/** The state of a connection or a subscription. */
public enum HealthStatus {
    /** Connected and working. */
    UP,
    /** The connection was lost; reconnecting on its own. Messages are kept by the broker meanwhile. */
    RECONNECTING,
    /** Not working and not recovering by itself; see the detail. */
    FAILED,
    /** Closed on purpose. */
    CLOSED
}
