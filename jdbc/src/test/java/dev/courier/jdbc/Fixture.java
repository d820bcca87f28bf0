package dev.courier.jdbc;

import dev.courier.api.MessageBus;
import dev.courier.api.OutgoingMessage;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.UUID;
import java.util.function.IntFunction;
import javax.sql.DataSource;

/**
 * One test's outbox and inbox on fresh tables of a real database, a unique topic, and whatever
 * it opened, closed (tables dropped) by {@link #close()}.
 */
final class Fixture implements AutoCloseable {

    final Database db;
    final DataSource dataSource;
    final String outboxTable = Database.uniqueTable("outbox");
    final String inboxTable = Database.uniqueTable("inbox");
    final String topic = "jdbc-" + UUID.randomUUID().toString().substring(0, 8);
    final Outbox outbox;
    final Inbox inbox;
    private final Deque<AutoCloseable> opened = new ArrayDeque<>();

    Fixture(Database db, OutboxOptions options) throws SQLException {
        this.db = db;
        this.dataSource = closeLater(db.dataSource()).get();
        this.outbox = Outbox.create(dataSource, dev.courier.api.BusOptions.defaults(), options.withTable(outboxTable));
        this.outbox.createTables();
        this.inbox = closeLater(Inbox.create(dataSource, InboxOptions.defaults().withTable(inboxTable)));
        this.inbox.createTables();
    }

    Fixture(Database db) throws SQLException {
        this(db, OutboxOptions.defaults().withPollInterval(java.time.Duration.ofMillis(100)));
    }

    <T extends AutoCloseable> T closeLater(T closeable) {
        opened.push(closeable);
        return closeable;
    }

    MessageBus bus(String url) {
        return closeLater(MessageBus.connect(url));
    }

    OutboxRelay relay(MessageBus bus) {
        return closeLater(outbox.startRelay(bus));
    }

    /** Writes {@code count} messages in one transaction that commits (or rolls back); returns their ids. */
    List<String> write(int count, IntFunction<OutgoingMessage> message, boolean commit) throws SQLException {
        List<String> ids = new ArrayList<>();
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            for (int i = 0; i < count; i++) {
                ids.add(outbox.publish(connection, message.apply(i)));
            }
            if (commit) {
                connection.commit();
            } else {
                connection.rollback();
            }
        }
        return ids;
    }

    @Override
    public void close() throws Exception {
        while (!opened.isEmpty()) {
            opened.pop().close();
        }
        db.drop(List.of(outboxTable, inboxTable));
    }
}
