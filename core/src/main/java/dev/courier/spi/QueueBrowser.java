package dev.courier.spi;

import java.util.List;

/**
 * An operator's view of one work queue (typically a dead-letter queue): what waits in it, read
 * without consuming it, and the removal of single messages by id. Opened with
 * {@link Transport#browse(Destination)}; the {@code courier} command line's {@code dlq} commands
 * are built on it.
 *
 * <p>A browser is a short session used by one thread. Messages it read stay in the queue (a
 * broker that must hold them to read them gives them back, unchanged, on {@link #close()} or when
 * the process dies), so an interrupted session loses nothing. A message a consumer holds at the
 * time may be missing from {@link #messages(int)}.
 */
public interface QueueBrowser extends AutoCloseable {

    /**
     * Up to {@code max} messages waiting in the queue, oldest first. Reading consumes nothing;
     * calling it again reads the queue again.
     *
     * @throws dev.courier.api.CourierException when the broker refuses or cannot be reached
     */
    List<Envelope> messages(int max);

    /**
     * Removes the oldest waiting message whose {@link Envelope#id()} is {@code id}, blocking until
     * the broker confirms. Returns false when no waiting message has that id.
     *
     * @throws dev.courier.api.CourierException when the broker refuses or cannot be reached
     * @throws UnsupportedOperationException when the broker cannot remove that message alone
     *         (the message says why)
     */
    boolean remove(String id);

    /** Ends the session; whatever it read and did not remove stays in the queue. Idempotent. */
    @Override
    void close();
}
