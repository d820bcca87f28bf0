package dev.courier.spi;

/**
 * A running consumer created by {@link Transport#consume}. Closing happens in two steps so core
 * can drain: first {@link #stopFetching()}, then, once in-flight deliveries are settled,
 * {@link #close()}.
 */
public interface Consumer extends AutoCloseable {

    /**
     * Stop receiving new deliveries. Deliveries already handed out can still be acked or rejected.
     * Idempotent.
     */
    void stopFetching();

    /** This consumer's state, cheap to call; the default says {@link ConnectionState#UP}. */
    default ConnectionState state() {
        return ConnectionState.UP;
    }

    /**
     * Release the consumer. Deliveries still unsettled return to the broker for redelivery. The
     * group or queue stays declared. Idempotent.
     */
    @Override
    void close();
}
