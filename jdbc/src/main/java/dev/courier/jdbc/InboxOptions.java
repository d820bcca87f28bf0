package dev.courier.jdbc;

import java.time.Duration;

/**
 * Settings of an {@link Inbox}. Immutable; start from {@link #defaults()}.
 *
 * @param table      the inbox table; default {@code courier_inbox}. 1 to 51 of
 *                   {@code [A-Za-z0-9_]}, not starting with a digit
 * @param retention  how long a handled message id is remembered; a duplicate arriving later runs
 *                   the handler again. Keep it longer than the broker may redeliver (its retention
 *                   and your retry policy); default 7 days
 * @param pruneEvery how often rows older than the retention are deleted; default 10 minutes
 */
public record InboxOptions(String table, Duration retention, Duration pruneEvery) {

    private static final InboxOptions DEFAULTS = new InboxOptions("courier_inbox", Duration.ofDays(7),
            Duration.ofMinutes(10));

    public InboxOptions {
        Dialect.tableName(table);
        OutboxOptions.positive("retention", retention);
        OutboxOptions.positive("pruneEvery", pruneEvery);
    }

    /** Table {@code courier_inbox}, ids kept 7 days, pruned every 10 minutes. */
    public static InboxOptions defaults() {
        return DEFAULTS;
    }

    /** These options with another table. */
    public InboxOptions withTable(String newTable) {
        return new InboxOptions(newTable, retention, pruneEvery);
    }

    /** These options with another retention. */
    public InboxOptions withRetention(Duration newRetention) {
        return new InboxOptions(table, newRetention, pruneEvery);
    }

    /** These options with another pruning interval. */
    public InboxOptions withPruneEvery(Duration newPruneEvery) {
        return new InboxOptions(table, retention, newPruneEvery);
    }
}
