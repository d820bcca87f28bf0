package dev.courier.jdbc;

import dev.courier.api.BusOptions;
import dev.courier.api.MessageBus;
import dev.courier.api.OutgoingMessage;
import dev.courier.api.PublishInterceptor;
import dev.courier.api.PublishReceipt;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * The transactional outbox: {@link #publish(Connection, OutgoingMessage)} writes a fully encoded
 * message into the outbox table <em>in the caller's transaction</em>, and a relay
 * ({@link #startRelay(MessageBus)}) publishes the committed rows through a bus. A message therefore
 * reaches the broker if and only if the transaction that wrote it commits, however the process dies.
 *
 * <pre>{@code
 * Outbox outbox = Outbox.create(dataSource, busOptions, OutboxOptions.defaults());
 * outbox.createTables();
 * try (OutboxRelay relay = outbox.startRelay(bus)) {
 *     try (Connection c = dataSource.getConnection()) {
 *         c.setAutoCommit(false);
 *         insertUser(c, user);
 *         outbox.publish(c, OutgoingMessage.of("user.created", event).withKey(user.id()));
 *         c.commit(); // the row and the event, or neither
 *     }
 * }
 * }</pre>
 *
 * <p>The row holds what the bus would send: the id (generated now when the message has none, and
 * the id consumers see, also on a redelivery), key, headers, event type, content type, timestamp
 * and the payload encoded with the codecs of the given {@link BusOptions}. Relays publish rows
 * oldest first, keep per-key order also when several run at once (in one or many processes), and
 * delete a row only after the broker confirmed it: delivery is at-least-once, with the same id.
 *
 * <p>Instead of calling {@code publish}, an application that publishes with {@code bus.publish}
 * can add {@link #interceptor()} to the bus's options and publish inside
 * {@link #within(Connection, Callable)}: the bus then checks the message and adds the trace
 * context before it is stored.
 *
 * <p>Thread safe. {@code publish} never commits, rolls back or closes the caller's connection.
 */
public final class Outbox {

    private static final ThreadLocal<Connection> BOUND = new ThreadLocal<>();

    private final DataSource dataSource;
    private final Encoding encoding;
    private final OutboxOptions options;
    private volatile Dialect dialect;

    private Outbox(DataSource dataSource, Encoding encoding, OutboxOptions options) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.encoding = encoding;
        this.options = Objects.requireNonNull(options, "options");
    }

    /** An outbox in table {@code courier_outbox} that encodes payloads as JSON. */
    public static Outbox create(DataSource dataSource) {
        return create(dataSource, BusOptions.defaults(), OutboxOptions.defaults());
    }

    /**
     * An outbox that encodes payloads with the codecs of {@code codecs} (pass the options of the
     * bus the relay publishes through, so that an outbox message is encoded as a direct publish
     * would be).
     */
    public static Outbox create(DataSource dataSource, BusOptions codecs, OutboxOptions options) {
        return new Outbox(dataSource, new Encoding(Objects.requireNonNull(codecs, "codecs")), options);
    }

    /** The settings. */
    public OutboxOptions options() {
        return options;
    }

    /** The database's dialect, found on first use. */
    public Dialect dialect() throws SQLException {
        Dialect known = dialect;
        if (known == null) {
            try (Connection connection = dataSource.getConnection()) {
                known = Dialect.of(connection);
                dialect = known;
            }
        }
        return known;
    }

    private Dialect dialect(Connection connection) throws SQLException {
        Dialect known = dialect;
        if (known == null) {
            known = Dialect.of(connection);
            dialect = known;
        }
        return known;
    }

    /**
     * Creates the outbox table and its index if they do not exist (the statements of
     * {@link Dialect#schemaResource(String)}, with the configured table name). Idempotent.
     */
    public void createTables() throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            dialect(connection).createTables(connection, "outbox", options.table());
        }
    }

    /** Writes {@code payload} for {@code topic} (no key, no headers) in {@code connection}'s transaction; returns the message id. */
    public String publish(Connection connection, String topic, Object payload) throws SQLException {
        return publish(connection, OutgoingMessage.of(topic, payload));
    }

    /**
     * Writes {@code message} into the outbox in {@code connection}'s current transaction; the
     * relay publishes it once that transaction commits, and never if it rolls back.
     *
     * @return the message id consumers will see ({@link OutgoingMessage#id()}, or one generated now)
     * @throws IllegalArgumentException when the topic or event type is not a valid name, the key
     *                                  is longer than 255 characters, or the message has a due time
     *                                  ({@link OutgoingMessage#deliverAt()}: the outbox does not
     *                                  store one yet, and relaying at once would be early)
     * @throws SQLException             when the payload cannot be encoded (with the codec's
     *                                  exception as cause) or the insert fails
     */
    public String publish(Connection connection, OutgoingMessage message) throws SQLException {
        Objects.requireNonNull(connection, "connection");
        Objects.requireNonNull(message, "message");
        Encoding.name("a topic", message.topic());
        String type = message.type() != null ? Encoding.name("an event type", message.type())
                : Encoding.typeOf(message.payload().getClass());
        if (message.deliverAt() != null) {
            throw new IllegalArgumentException("the outbox does not store due times yet: publish the delayed message "
                    + message.id() + " to " + message.topic() + " on the bus itself");
        }
        if (message.key() != null && message.key().length() > 255) {
            throw new IllegalArgumentException("an outbox message key is at most 255 characters, was "
                    + message.key().length());
        }
        Encoding.Encoded encoded;
        try {
            encoded = encoding.encode(message.payload());
        } catch (Exception e) {
            throw new SQLException("could not encode the payload of type " + message.payload().getClass().getName()
                    + " for " + message.topic() + ": " + e.getMessage(), e);
        }
        String id = message.id() != null ? message.id() : UUID.randomUUID().toString();
        Instant timestamp = message.timestamp() != null ? message.timestamp() : Instant.ofEpochMilli(System.currentTimeMillis());
        String contentType = message.contentType() != null ? message.contentType() : encoded.contentType();
        Dialect db = dialect(connection);
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO " + options.table()
                + " (message_id, topic, message_key, headers, event_type, content_type, created_at, payload)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
            insert.setString(1, id);
            insert.setString(2, message.topic());
            insert.setString(3, message.key());
            insert.setString(4, Encoding.headers(message.headers()));
            insert.setString(5, type);
            insert.setString(6, contentType);
            insert.setLong(7, timestamp.toEpochMilli());
            insert.setBytes(8, encoded.bytes());
            insert.executeUpdate();
        }
        if (db == Dialect.POSTGRESQL) {
            try (Statement notify = connection.createStatement()) {
                notify.execute("NOTIFY " + options.table()); // delivered to listening relays on commit
            }
        }
        return id;
    }

    /**
     * A publish interceptor for the bus's options ({@link BusOptions#withInterceptor}): while
     * {@link #within(Connection, Callable)} runs on the publishing thread, {@code bus.publish}
     * writes into this outbox in that connection's transaction (after the bus checked the headers,
     * chose the id and added the trace context) and returns at once with the receipt; anywhere
     * else, including the relay's own publishes, it passes the message on unchanged. Add it as
     * the last interceptor, so the others run before the message is stored.
     */
    public PublishInterceptor interceptor() {
        return (message, next) -> {
            Connection connection = BOUND.get();
            if (connection == null) {
                return next.proceed(message);
            }
            OutgoingMessage stamped = message.timestamp() != null ? message
                    : message.withTimestamp(Instant.ofEpochMilli(System.currentTimeMillis()));
            try {
                String id = publish(connection, stamped);
                return CompletableFuture.completedFuture(new PublishReceipt(id, stamped.topic(), stamped.timestamp()));
            } catch (SQLException | RuntimeException e) {
                return CompletableFuture.failedFuture(e);
            }
        };
    }

    /**
     * Runs {@code work} with {@code connection} bound to this thread, so that publishes through
     * a bus with {@link #interceptor()} go into this outbox in the connection's transaction; the
     * caller commits or rolls back afterwards as usual. Returns what {@code work} returns.
     */
    public static <T> T within(Connection connection, Callable<T> work) throws Exception {
        Objects.requireNonNull(connection, "connection");
        Connection outer = BOUND.get();
        BOUND.set(connection);
        try {
            return work.call();
        } finally {
            if (outer == null) {
                BOUND.remove();
            } else {
                BOUND.set(outer);
            }
        }
    }

    /** Rows waiting to be published (committed and not yet confirmed), for monitoring and tests. */
    public long pending() throws SQLException {
        try (Connection connection = dataSource.getConnection();
             Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT COUNT(*) FROM " + options.table())) {
            rows.next();
            return rows.getLong(1);
        }
    }

    /**
     * Starts a relay that publishes this outbox's committed rows through {@code bus}, on a thread
     * of its own, until closed. Start one per application instance (or more): relays share the
     * rows without breaking per-key order. Each relay holds one connection of the data source
     * (two on PostgreSQL, one of them listening for wake-ups).
     */
    public OutboxRelay startRelay(MessageBus bus) {
        return new OutboxRelay(dataSource, options, Objects.requireNonNull(bus, "bus")).start();
    }
}
