package dev.courier.spi;

import java.util.List;

/**
 * Where a transport hands the deliveries it receives. Implemented by core: it never blocks and
 * never calls back into the transport on the calling thread. A transport calls it from one thread
 * per consumer at a time, in the broker's delivery order, so per-key order is kept.
 */
@FunctionalInterface
public interface DeliverySink {

    /** Takes ownership of {@code delivery}; core will ack or reject it exactly once. */
    void deliver(Delivery delivery);

    /**
     * Takes ownership of {@code deliveries}, in their order, as {@link #deliver} one after another
     * would. A transport that receives records in batches (a Kafka poll) hands each batch here, so
     * core passes it to the handler threads in one go: handing over records one by one woke a
     * handler thread for nearly every record, and the records of a batch waited for each other's
     * wake-ups. The list is not kept; the caller may reuse it. The default delivers one by one.
     */
    default void deliverAll(List<? extends Delivery> deliveries) {
        for (Delivery delivery : deliveries) {
            deliver(delivery);
        }
    }

    /**
     * Optional: how many records of {@code partition} this consumer has not handled yet (the
     * broker's consumer lag, counting fetched and unsettled records), or {@code -1} once the
     * partition is no longer this consumer's (rebalanced away, or the consumer closed). A
     * transport with partitions (Kafka) reports it now and then, from its consumer's own view of
     * the log end, so it costs no request; core passes it to
     * {@link dev.courier.api.BusListener#backlogChanged}. The default ignores it.
     */
    default void backlogChanged(int partition, long records) {
    }
}
