package dev.courier.jdbc;

import java.time.Duration;
import java.util.Objects;

/**
 * Settings of an {@link Outbox} and its relays. Immutable; start from {@link #defaults()}.
 *
 * @param table        the outbox table; default {@code courier_outbox}. 1 to 51 of
 *                     {@code [A-Za-z0-9_]}, not starting with a digit
 * @param batchSize    how many rows a relay takes per round (one transaction); default 500
 * @param pollInterval how long an idle relay waits before looking again; on PostgreSQL a
 *                     {@code NOTIFY} from a committed publish wakes it at once, so this is only
 *                     the fallback; default 1 s (lower it on MariaDB and H2 for lower latency)
 * @param maxBackoff   the longest wait between attempts while the database or the broker fails
 *                     (the wait starts at 100 ms and doubles); default 10 s
 */
public record OutboxOptions(String table, int batchSize, Duration pollInterval, Duration maxBackoff) {

    private static final OutboxOptions DEFAULTS = new OutboxOptions("courier_outbox", 500, Duration.ofSeconds(1),
            Duration.ofSeconds(10));

    public OutboxOptions {
        Dialect.tableName(table);
        if (batchSize < 1 || batchSize > 10_000) {
            throw new IllegalArgumentException("batchSize must be between 1 and 10000, was " + batchSize);
        }
        positive("pollInterval", pollInterval);
        positive("maxBackoff", maxBackoff);
    }

    static void positive(String what, Duration value) {
        Objects.requireNonNull(value, what);
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(what + " must be positive: " + value);
        }
    }

    /** Table {@code courier_outbox}, batches of 500, a 1 s poll, backoff up to 10 s. */
    public static OutboxOptions defaults() {
        return DEFAULTS;
    }

    /** These options with another table. */
    public OutboxOptions withTable(String newTable) {
        return new OutboxOptions(newTable, batchSize, pollInterval, maxBackoff);
    }

    /** These options with another batch size. */
    public OutboxOptions withBatchSize(int newBatchSize) {
        return new OutboxOptions(table, newBatchSize, pollInterval, maxBackoff);
    }

    /** These options with another poll interval. */
    public OutboxOptions withPollInterval(Duration newPollInterval) {
        return new OutboxOptions(table, batchSize, newPollInterval, maxBackoff);
    }

    /** These options with another longest backoff. */
    public OutboxOptions withMaxBackoff(Duration newMaxBackoff) {
        return new OutboxOptions(table, batchSize, pollInterval, newMaxBackoff);
    }
}
