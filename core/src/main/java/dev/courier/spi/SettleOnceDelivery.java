package dev.courier.spi;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;

/**
 * A {@link Delivery} of an envelope whose first {@link #ack()} or {@link #reject()} wins: later
 * calls, from any thread, are ignored. Transports extend it and say in {@link #settle(boolean)}
 * what an ack or a reject means on their broker.
 */
public abstract class SettleOnceDelivery implements Delivery {

    private static final VarHandle SETTLED;

    static {
        try {
            SETTLED = MethodHandles.lookup().findVarHandle(SettleOnceDelivery.class, "settled", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Envelope envelope;
    private final int deliveryCount;
    @SuppressWarnings("unused") // through SETTLED
    private volatile boolean settled;

    /**
     * @param envelope      the message received
     * @param deliveryCount how often the broker delivered it, this time included (1 when it cannot tell)
     */
    protected SettleOnceDelivery(Envelope envelope, int deliveryCount) {
        this.envelope = Objects.requireNonNull(envelope, "envelope");
        if (deliveryCount < 1) {
            throw new IllegalArgumentException("deliveryCount must be at least 1: " + deliveryCount);
        }
        this.deliveryCount = deliveryCount;
    }

    @Override
    public final Envelope envelope() {
        return envelope;
    }

    @Override
    public final int deliveryCount() {
        return deliveryCount;
    }

    @Override
    public final void ack() {
        if (SETTLED.compareAndSet(this, false, true)) {
            settle(true);
        }
    }

    @Override
    public final void reject() {
        if (SETTLED.compareAndSet(this, false, true)) {
            settle(false);
        }
    }

    /** Whether an ack or a reject already happened. */
    protected final boolean isSettled() {
        return settled;
    }

    /** Carries out the first settlement: {@code ack} true to acknowledge, false to give the message back. */
    protected abstract void settle(boolean ack);
}
