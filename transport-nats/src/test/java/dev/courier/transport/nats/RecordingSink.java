package dev.courier.transport.nats;

import dev.courier.spi.Delivery;
import dev.courier.spi.DeliverySink;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assertions;

/** A sink that records deliveries (acking them at once if asked) and lets tests wait for them. Thread safe. */
final class RecordingSink implements DeliverySink {

    private final List<Delivery> deliveries = new ArrayList<>();
    private final boolean ackAtOnce;
    private int maxUnsettled;

    RecordingSink(boolean ackAtOnce) {
        this.ackAtOnce = ackAtOnce;
    }

    @Override
    public synchronized void deliver(Delivery delivery) {
        deliveries.add(delivery);
        notifyAll();
        if (ackAtOnce) {
            delivery.ack();
        }
    }

    synchronized List<Delivery> deliveries() {
        return List.copyOf(deliveries);
    }

    /** Waits until {@code count} deliveries arrived; fails the test otherwise. */
    List<Delivery> awaitCount(int count, Duration timeout) {
        if (!waitForCount(count, timeout)) {
            Assertions.fail("timed out after " + timeout + " waiting for " + count + " deliveries; got " + deliveries().size());
        }
        return deliveries();
    }

    /** Waits until {@code count} deliveries arrived or the timeout passed; true if they arrived. */
    synchronized boolean waitForCount(int count, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (deliveries.size() < count) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            try {
                TimeUnit.NANOSECONDS.timedWait(this, left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }
}
