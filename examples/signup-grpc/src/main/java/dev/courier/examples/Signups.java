package dev.courier.examples;

import dev.courier.api.MessageBus;
import dev.courier.api.OutgoingMessage;
import dev.courier.api.TraceContext;
import dev.courier.examples.Events.UserCreated;
import dev.courier.jdbc.Outbox;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import javax.sql.DataSource;

/**
 * Creates users idempotently and publishes their {@code UserCreated} to {@code user.created}
 * (the topic the plain example's email and analytics services read): straight to the bus, or,
 * with a database, into the transactional outbox with the user row.
 *
 * <p>An idempotency key fixes both the user id (derived from the key) and the event id (the key
 * itself), so a client's retry publishes the same event again, which consumers recognise by its
 * id, or, with a database, finds the user already committed and publishes nothing. Thread safe.
 */
final class Signups {

    /** What a signup created (or, for a repeated idempotency key, had created): the user's id and the id of its event. */
    record Created(String userId, String eventId) {
    }

    static final String USERS = "signup_grpc_users";
    static final String OUTBOX = "signup_grpc_outbox";

    private final MessageBus bus;
    private final DataSource database;
    private final Outbox outbox;

    /** Publishes straight to {@code bus}. */
    Signups(MessageBus bus) {
        this.bus = bus;
        this.database = null;
        this.outbox = null;
    }

    /** Saves users in {@code database} and their events in its {@code outbox}, in one transaction. */
    Signups(DataSource database, Outbox outbox) {
        this.bus = null;
        this.database = database;
        this.outbox = outbox;
    }

    /** Creates this app's users table (and the outbox's) if missing. */
    static void createTables(DataSource database, Outbox outbox) throws SQLException {
        outbox.createTables();
        try (Connection connection = database.getConnection(); Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE IF NOT EXISTS " + USERS + " (id VARCHAR(64) PRIMARY KEY,"
                    + " email VARCHAR(320) NOT NULL, created_at BIGINT NOT NULL)");
        }
    }

    /**
     * Signs up {@code email}. Without a database the stage completes once the event is durably
     * published (or fails with the bus's {@code PublishException}); with one, once the user and
     * its event are committed.
     *
     * @param idempotencyKey the client's key for this signup, or {@code null} for a new user every time
     * @param trace          the caller's trace, which the event continues (a child span), if any
     */
    CompletionStage<Created> create(String email, String idempotencyKey, Optional<TraceContext> trace) {
        String userId = idempotencyKey == null ? UUID.randomUUID().toString()
                : UUID.nameUUIDFromBytes(("user:" + idempotencyKey).getBytes(StandardCharsets.UTF_8)).toString();
        String eventId = idempotencyKey == null ? UUID.randomUUID().toString() : idempotencyKey;
        Instant now = Instant.ofEpochMilli(System.currentTimeMillis());
        OutgoingMessage message = OutgoingMessage.of(UserService.TOPIC, new UserCreated(userId, email, now))
                .withKey(userId).withId(eventId).withTimestamp(now);
        if (trace.isPresent()) {
            message = message.withHeaders(trace.get().child().toHeaders());
        }
        if (outbox == null) {
            return bus.publish(message).thenApply(receipt -> new Created(userId, receipt.id()));
        }
        try {
            return CompletableFuture.completedFuture(store(message, userId, email, now));
        } catch (SQLException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private Created store(OutgoingMessage message, String userId, String email, Instant now) throws SQLException {
        try (Connection connection = database.getConnection()) {
            connection.setAutoCommit(false);
            if (exists(connection, userId)) {
                connection.rollback();
                return new Created(userId, message.id()); // committed with its event by an earlier call
            }
            try (PreparedStatement insert = connection.prepareStatement(
                    "INSERT INTO " + USERS + " (id, email, created_at) VALUES (?, ?, ?)")) {
                insert.setString(1, userId);
                insert.setString(2, email);
                insert.setLong(3, now.toEpochMilli());
                insert.executeUpdate();
                String id = outbox.publish(connection, message);
                connection.commit();
                return new Created(userId, id);
            } catch (SQLException e) {
                connection.rollback();
                if (e.getSQLState() != null && e.getSQLState().startsWith("23") && exists(connection, userId)) {
                    return new Created(userId, message.id()); // a concurrent retry won the insert
                }
                throw e;
            }
        }
    }

    private static boolean exists(Connection connection, String userId) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement("SELECT 1 FROM " + USERS + " WHERE id = ?")) {
            select.setString(1, userId);
            try (ResultSet row = select.executeQuery()) {
                return row.next();
            }
        }
    }
}
