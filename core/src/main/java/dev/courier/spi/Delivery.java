package dev.courier.spi;

/**
 * One received message held by core until it is settled. Exactly one of {@link #ack()} or
 * {@link #reject()} takes effect; later calls of either are ignored. Both may be called from any
 * thread and must not block for long.
 */
public interface Delivery {

    /** The message as it was published. */
    Envelope envelope();

    /** 1 on first delivery; more when the broker redelivers. Brokers that cannot tell return 1. */
    int deliveryCount();

    /** The message is handled (or dead-lettered): the broker must not deliver it again to this group. */
    void ack();

    /**
     * Give the message back for redelivery, as if this consumer had crashed: used when a
     * subscription closes before the handler ran.
     */
    void reject();

    /**
     * Tells the broker the message is still being worked on, for brokers that redeliver after an
     * acknowledgement timeout. Core calls it, from a timer thread, on every unsettled delivery at
     * a third of the deadline when the transport's {@link Capabilities#ackDeadline()} says
     * {@link AckDeadline.Rule#CORE_EXTENDS}; under any rule, also once when it schedules a retry.
     * Must not block for long; the default does nothing.
     */
    default void inProgress() {
    }
}
