package dev.courier.api;

import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link BatchHandler} gathers its batches: up to {@code maxMessages} messages, or what
 * arrived within {@code maxWait} of the batch's first message, whichever comes first.
 *
 * <pre>{@code
 * bus.subscribeBatch("clicks", "warehouse", Click.class, BatchOptions.of(100, Duration.ofMillis(50)),
 *         batch -> warehouse.insertAll(batch.payloads()));
 * }</pre>
 *
 * @param maxMessages the most messages in one batch, at least 1; the subscription runs at least
 *                    this many handler slots (see {@link BatchHandler})
 * @param maxWait     how long a batch waits for more messages after its first arrived; positive
 */
public record BatchOptions(int maxMessages, Duration maxWait) {

    public BatchOptions {
        if (maxMessages < 1) {
            throw new IllegalArgumentException("maxMessages must be at least 1: " + maxMessages);
        }
        Objects.requireNonNull(maxWait, "maxWait");
        if (maxWait.isNegative() || maxWait.isZero()) {
            throw new IllegalArgumentException("maxWait must be positive: " + maxWait);
        }
    }

    /** Batches of up to {@code maxMessages}, each waiting at most {@code maxWait} for more. */
    public static BatchOptions of(int maxMessages, Duration maxWait) {
        return new BatchOptions(maxMessages, maxWait);
    }
}
