package dev.courier.spi;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * A connection to one broker, created by a {@link TransportProvider}. Only byte-level work
 * happens here; core validates names, encodes, retries, dead-letters and dispatches.
 *
 * <p>Implementations are thread safe: core calls every method from many threads at once.
 */
public interface Transport extends AutoCloseable {

    /** What the broker guarantees and limits. */
    Capabilities capabilities();

    /**
     * Makes sure {@code destination} exists: a topic can be published to, a queue keeps what is
     * sent to it until a consumer takes it. Idempotent; blocks until the broker confirms. An
     * {@linkplain Destination#ephemeral() ephemeral} destination (only declared when the transport
     * offers {@link Capabilities.Feature#EPHEMERAL_DESTINATIONS}) is created so that
     * {@link #remove} can delete it; its dead-letter queue is ephemeral too.
     *
     * @throws dev.courier.api.CourierException when the broker refuses or cannot be reached
     */
    void declare(Destination destination);

    /**
     * Sends an envelope to {@code envelope.destination()}, which was {@linkplain #declare declared}
     * before. The stage completes once the broker has durably accepted the message and completes
     * exceptionally (with {@link dev.courier.api.PublishException} where the transport can tell)
     * when it refuses it or cannot be reached. It must not block the caller on broker I/O.
     */
    CompletionStage<Void> send(Envelope envelope);

    /**
     * Sends several envelopes at once, one stage per envelope in the order given, each completing
     * as {@link #send}'s would. A transport overrides it to use the broker's batching; the default
     * sends them one by one.
     */
    default List<CompletionStage<Void>> sendAll(List<Envelope> envelopes) {
        List<CompletionStage<Void>> stages = new ArrayList<>(envelopes.size());
        for (Envelope envelope : envelopes) {
            stages.add(send(envelope));
        }
        return stages;
    }

    /**
     * Starts consuming. Returns once the group (for a topic) or the queue exists on the broker,
     * so every message sent afterwards reaches it. Deliveries go to {@code sink}.
     *
     * @throws dev.courier.api.CourierException when the broker refuses or cannot be reached
     */
    Consumer consume(ConsumerSpec spec, DeliverySink sink);

    /**
     * Deletes the {@linkplain Destination#ephemeral() ephemeral} destination {@code destination}
     * from the broker, with the messages it holds (and, for a queue, what the transport created to
     * consume it). Core calls it when the bus closes, after every consumer closed, for each
     * ephemeral destination the bus declared. Idempotent: a destination already gone is not an
     * error. Blocks until the broker confirms. The default refuses: a transport offering
     * {@link Capabilities.Feature#EPHEMERAL_DESTINATIONS} overrides it.
     *
     * @throws dev.courier.api.CourierException when the broker refuses or cannot be reached
     */
    default void remove(Destination destination) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " has no ephemeral destinations");
    }

    /**
     * Opens a {@link QueueBrowser} on the work queue {@code queue} (declared before, by this or
     * another process): read what waits without consuming it, remove single messages. Optional,
     * for operator tools; the default refuses.
     *
     * @throws IllegalArgumentException when {@code queue} is not a queue
     * @throws dev.courier.api.CourierException when the broker refuses or cannot be reached
     */
    default QueueBrowser browse(Destination queue) {
        throw new UnsupportedOperationException(getClass().getSimpleName()
                + " cannot browse queues; use a consumer to read " + queue);
    }

    /**
     * Starts a temporary subscription to the topic {@code topic} for an observer (the
     * {@code courier tail} command): every message published to it from now on goes to
     * {@code sink}, in a group of its own that no other consumer shares and that the broker forgets
     * when the consumer closes (or the connection ends). Returns only once the broker has the
     * subscription, so a message published the moment it returns is not missed. Existing groups
     * are not touched: they receive and settle their messages as before. Settling these deliveries
     * is allowed and changes nothing. Optional, for operator tools; the default refuses.
     *
     * @throws IllegalArgumentException when {@code topic} is not a topic
     * @throws dev.courier.api.CourierException when the broker refuses or cannot be reached
     */
    default Consumer tail(Destination topic, DeliverySink sink) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " cannot tail topics; subscribe to " + topic
                + " with a group instead");
    }

    /**
     * The broker's own reply path for request/reply, if the transport has one. The default has
     * none: core then carries replies through a {@linkplain Destination#temporaryQueue temporary
     * queue} per bus, declared and removed through this interface, which needs
     * {@link Capabilities.Feature#EPHEMERAL_DESTINATIONS}. Called once per bus; cheap.
     */
    default Optional<ReplyPath> replyPath() {
        return Optional.empty();
    }

    /**
     * The connection's state, cheap to call (a readiness probe may call it often). The default
     * says {@link ConnectionState#UP}; transports that can lose their connection report
     * {@code RECONNECTING} or {@code FAILED} truthfully.
     */
    default ConnectionState state() {
        return ConnectionState.UP;
    }

    /** Closes every consumer and the connection; pending sends complete or fail first. Idempotent. */
    @Override
    void close();
}
