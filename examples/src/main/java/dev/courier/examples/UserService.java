package dev.courier.examples;

import dev.courier.api.MessageBus;
import dev.courier.api.OutgoingMessage;
import dev.courier.api.PublishReceipt;
import dev.courier.examples.Events.UserCreated;
import dev.courier.jdbc.Outbox;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import javax.sql.DataSource;

/**
 * Creates users and tells everyone who cares by publishing {@code UserCreated} to {@code user.created}:
 * straight to the bus, or (with a database) through the transactional outbox, so that the user
 * row and its event commit together or not at all.
 */
final class UserService {

    static final String TOPIC = "user.created";

    private final MessageBus bus;
    private final DataSource database;
    private final Outbox outbox;

    /** Publishes straight to {@code bus}; no database. */
    UserService(MessageBus bus) {
        this.bus = bus;
        this.database = null;
        this.outbox = null;
    }

    /** Saves users in {@code database} and their events in its {@code outbox}, in one transaction. */
    UserService(DataSource database, Outbox outbox) {
        this.bus = null;
        this.database = database;
        this.outbox = outbox;
    }

    /** Creates the {@code users} table (and the outbox's) if missing. */
    static void createTables(DataSource database, Outbox outbox) throws SQLException {
        outbox.createTables();
        try (Connection connection = database.getConnection(); Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE IF NOT EXISTS users (id VARCHAR(64) PRIMARY KEY,"
                    + " email VARCHAR(320) NOT NULL, created_at BIGINT NOT NULL, welcomed BOOLEAN DEFAULT FALSE NOT NULL)");
        }
    }

    /**
     * Signs up {@code email}. Without a database the stage completes once the event is durably
     * published; with one, once the user and its event are committed (the outbox's relay
     * publishes the event after that, even if this process dies first).
     */
    CompletionStage<PublishReceipt> signUp(String email) {
        String userId = UUID.randomUUID().toString();
        UserCreated event = new UserCreated(userId, email, Instant.now());
        OutgoingMessage message = OutgoingMessage.of(TOPIC, event).withKey(userId);
        if (outbox == null) {
            return bus.publish(message);
        }
        try (Connection connection = database.getConnection()) {
            connection.setAutoCommit(false);
            try (PreparedStatement insert = connection.prepareStatement(
                    "INSERT INTO users (id, email, created_at) VALUES (?, ?, ?)")) {
                insert.setString(1, userId);
                insert.setString(2, email);
                insert.setLong(3, event.createdAt().toEpochMilli());
                insert.executeUpdate();
            }
            Instant now = Instant.ofEpochMilli(System.currentTimeMillis());
            String id = outbox.publish(connection, message.withTimestamp(now));
            connection.commit();
            return CompletableFuture.completedFuture(new PublishReceipt(id, TOPIC, now));
        } catch (SQLException e) {
            return CompletableFuture.failedFuture(e);
        }
    }
}
