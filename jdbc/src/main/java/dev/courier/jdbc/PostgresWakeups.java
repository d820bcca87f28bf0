package dev.courier.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * A connection that {@code LISTEN}s on the outbox table's channel, so an idle relay wakes up when
 * a transaction that wrote to the outbox commits (its {@code NOTIFY} is delivered on commit).
 * Loaded only on PostgreSQL, so the driver stays optional. Used by one relay thread.
 */
final class PostgresWakeups implements AutoCloseable {

    private final Connection connection;
    private final PGConnection postgres;

    PostgresWakeups(Connection connection, String channel) throws SQLException {
        this.connection = connection;
        this.postgres = connection.unwrap(PGConnection.class);
        connection.setAutoCommit(true);
        try (Statement listen = connection.createStatement()) {
            listen.execute("LISTEN " + channel);
        }
    }

    /** Waits up to {@code millis} for a notification; true when one (or more) arrived. */
    boolean await(int millis) throws SQLException {
        PGNotification[] notifications = postgres.getNotifications(millis);
        return notifications != null && notifications.length > 0;
    }

    /** Stops listening (a pooled connection goes back clean) and closes the connection. */
    @Override
    public void close() {
        try (Statement unlisten = connection.createStatement()) {
            unlisten.execute("UNLISTEN *");
        } catch (SQLException ignored) {
            // a broken connection listens no more
        }
        try {
            connection.close();
        } catch (SQLException ignored) {
            // already broken
        }
    }
}
