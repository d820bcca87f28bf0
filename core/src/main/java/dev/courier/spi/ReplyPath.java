package dev.courier.spi;

import java.util.Objects;
import java.util.concurrent.CompletionStage;

/**
 * A broker's own way of carrying replies to the bus that sent a request, offered by a transport
 * through {@link Transport#replyPath()}: a RabbitMQ exclusive queue, a NATS inbox subject, a
 * Kafka reply topic shared by many requesters, an in-process map. Without one, core carries
 * replies through a temporary queue of the bus ({@link Destination#temporaryQueue}), which works on
 * every transport offering {@link Capabilities.Feature#EPHEMERAL_DESTINATIONS}.
 *
 * <p>Core opens one {@link ReplyInbox} per bus, on its first request, and closes it when the bus
 * closes. A request carries the inbox's {@link ReplyInbox#address() address}; the responding bus,
 * on the same broker, answers with {@link #send}. Replies need no durability beyond the life of the
 * inbox: a reply for a bus that is gone may be lost, and its requester timed out already.
 *
 * <p>Implementations are thread safe.
 */
public interface ReplyPath {

    /**
     * Opens an inbox: from now on every reply sent to its address reaches {@code sink}, until it
     * is closed. Each delivered envelope names the inbox's address as its destination (for
     * example {@code Destination.temporaryQueue(address)}). Deliveries may arrive in any order; core
     * acknowledges each at once (a transport that does not need acknowledgements may ignore them). Blocks until the broker confirms that
     * replies reach the inbox.
     *
     * @throws dev.courier.api.CourierException when the broker refuses or cannot be reached
     */
    ReplyInbox open(DeliverySink sink);

    /**
     * True when {@code address} has the form of an inbox address this path hands out. Core answers
     * only requests whose reply address it accepts, so a forged header cannot steer replies to an
     * arbitrary destination. Cheap, no I/O.
     */
    boolean accepts(String address);

    /**
     * Sends {@code reply} to the inbox at {@code address} (one this path {@linkplain #accepts
     * accepts}); {@code reply.destination()} names the address and is otherwise meaningless. Never
     * creates anything on the broker: a reply to an inbox that is gone is dropped by the broker or
     * fails the stage, whichever the broker does. The stage completes once the broker took the
     * reply (at once on a broker without confirmations). Must not block on broker I/O.
     */
    CompletionStage<Void> send(String address, Envelope reply);

    /**
     * A delivery of {@code reply} needing no acknowledgement, for an inbox the broker does not
     * redeliver from (auto-ack consumers, core NATS subscriptions, assigned Kafka partitions):
     * {@link Delivery#ack()} and {@link Delivery#reject()} do nothing.
     */
    static Delivery unacknowledged(Envelope reply) {
        Objects.requireNonNull(reply, "reply");
        return new Delivery() {
            @Override
            public Envelope envelope() {
                return reply;
            }

            @Override
            public int deliveryCount() {
                return 1;
            }

            @Override
            public void ack() {
            }

            @Override
            public void reject() {
            }
        };
    }
}
