package dev.courier.spi;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A {@link Delivery} whose first {@link #ack()} or {@link #reject()} wins: later calls, from
 * any thread, are ignored. Transports extend it and say in {@link #settle(boolean)} what an ack or
 * a reject means on their broker.
 */
public abstract class SettleOnceDelivery implements Delivery {

    private final AtomicBoolean settled = new AtomicBoolean();

    @Override
    public final void ack() {
        if (settled.compareAndSet(false, true)) {
            settle(true);
        }
    }

    @Override
    public final void reject() {
        if (settled.compareAndSet(false, true)) {
            settle(false);
        }
    }

    /** Whether an ack or a reject already happened. */
    protected final boolean isSettled() {
        return settled.get();
    }

    /** Carries out the first settlement: {@code ack} true to acknowledge, false to give the message back. */
    protected abstract void settle(boolean ack);
}
