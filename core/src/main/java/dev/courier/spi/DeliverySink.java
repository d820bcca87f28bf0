package dev.courier.spi;

/**
 * Where a transport hands the deliveries it receives. Implemented by core: it never blocks and
 * never calls back into the transport on the calling thread. A transport calls it from one thread
 * per consumer at a time, in the broker's delivery order, so per-key order is kept.
 */
@FunctionalInterface
public interface DeliverySink {

    /** Takes ownership of {@code delivery}; core will ack or reject it exactly once. */
    void deliver(Delivery delivery);
}
