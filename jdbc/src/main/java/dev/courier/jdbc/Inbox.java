package dev.courier.jdbc;

import dev.courier.api.ConsumerOptions;
import dev.courier.api.Middleware;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The idempotent inbox: a {@link Middleware} ({@link #middleware(String)}) that runs the handler
 * inside a JDBC transaction together with an insert of (group, message id). The first delivery
 * of an id commits both; a later delivery of the same id to the same group finds the row and is
 * acknowledged without running the handler. A handler that fails rolls back its row too, so the
 * retry runs it again.
 *
 * <pre>{@code
 * Inbox inbox = Inbox.create(dataSource);
 * inbox.createTables();
 * bus.subscribe("user.created", "email", UserCreated.class, message -> {
 *     Connection c = Inbox.connection(); // the inbox's transaction: commit together, or not at all
 *     markWelcomed(c, message.payload().userId());
 * }, ConsumerOptions.defaults().withMiddleware(inbox.middleware("email")));
 * }</pre>
 *
 * <p>Concurrent deliveries of one id (a redelivery while the first is still running) wait on the
 * row's lock: the second sees the first's outcome. Rows older than
 * {@link InboxOptions#retention()} are deleted every {@link InboxOptions#pruneEvery()} by a
 * background thread, until {@link #close()}.
 *
 * <p>Thread safe. Each handled message borrows one connection of the data source for the time
 * of the handler, so size a pool for the subscriptions' concurrency.
 */
public final class Inbox implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Inbox.class);
    private static final Pattern GROUP = Pattern.compile("[A-Za-z0-9._-]{1,100}");
    private static final ThreadLocal<Connection> CURRENT = new ThreadLocal<>();

    private final DataSource dataSource;
    private final InboxOptions options;
    private volatile String insert;
    private final AtomicLong duplicates = new AtomicLong();
    private final ScheduledExecutorService pruner;

    private Inbox(DataSource dataSource, InboxOptions options) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.options = Objects.requireNonNull(options, "options");
        this.pruner = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "courier-inbox-prune-" + options.table());
            thread.setDaemon(true);
            return thread;
        });
        long every = options.pruneEvery().toMillis();
        pruner.scheduleWithFixedDelay(this::pruneQuietly, every, every, TimeUnit.MILLISECONDS);
    }

    /** An inbox in table {@code courier_inbox} that remembers ids for 7 days. */
    public static Inbox create(DataSource dataSource) {
        return new Inbox(dataSource, InboxOptions.defaults());
    }

    /** An inbox with {@code options}. */
    public static Inbox create(DataSource dataSource, InboxOptions options) {
        return new Inbox(dataSource, options);
    }

    /**
     * The connection of the inbox transaction the calling handler runs in: write with it, and the
     * writes commit together with the inbox row (or roll back with it when the handler throws).
     * Do not commit, roll back or close it. Bound to the handler's thread.
     *
     * @throws IllegalStateException outside a handler run by {@link #middleware(String)}
     */
    public static Connection connection() {
        Connection connection = CURRENT.get();
        if (connection == null) {
            throw new IllegalStateException("no inbox transaction on this thread: call Inbox.connection() from a handler"
                    + " subscribed with ConsumerOptions.withMiddleware(inbox.middleware(group))");
        }
        return connection;
    }

    /** Creates the inbox table and its index if they do not exist. Idempotent. */
    public void createTables() throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            Dialect.of(connection).createTables(connection, "inbox", options.table());
        }
    }

    /**
     * The middleware for subscriptions of consumer group {@code group}: add it with
     * {@link ConsumerOptions#withMiddleware}. Groups are independent: each runs an id once.
     */
    public Middleware middleware(String group) {
        if (group == null || !GROUP.matcher(group).matches()) {
            throw new IllegalArgumentException("a group is 1 to 100 of [A-Za-z0-9._-]: '" + group + "'");
        }
        return (message, next) -> {
            if (CURRENT.get() != null) {
                throw new IllegalStateException("an inbox middleware is already running on this thread");
            }
            try (Connection connection = dataSource.getConnection()) {
                boolean autoCommit = connection.getAutoCommit();
                connection.setAutoCommit(false);
                try {
                    if (!claim(connection, group, message.id())) {
                        connection.rollback();
                        duplicates.incrementAndGet();
                        log.debug("Message {} already handled by group {}: acknowledged without the handler",
                                message.id(), group);
                        return;
                    }
                    CURRENT.set(connection);
                    try {
                        next.handle(message);
                    } finally {
                        CURRENT.remove();
                    }
                    connection.commit();
                } catch (Throwable failure) {
                    try {
                        connection.rollback();
                    } catch (SQLException e) {
                        failure.addSuppressed(e);
                    }
                    throw failure;
                } finally {
                    try {
                        connection.setAutoCommit(autoCommit);
                    } catch (SQLException ignored) {
                        // the connection is closed next anyway
                    }
                }
            }
        };
    }

    /**
     * Inserts the (group, id) row; false when it exists. A concurrent insert of the same row waits
     * for the other transaction: its commit makes this one a duplicate, its rollback lets it in.
     */
    private boolean claim(Connection connection, String group, String id) throws SQLException {
        if (id.length() > 255) {
            throw new IllegalArgumentException("the inbox keeps message ids of up to 255 characters, this one has "
                    + id.length());
        }
        String sql = insert;
        if (sql == null) {
            String columns = options.table() + " (group_name, message_id, received_at) VALUES (?, ?, ?)";
            sql = switch (Dialect.of(connection)) {
                case POSTGRESQL -> "INSERT INTO " + columns + " ON CONFLICT DO NOTHING";
                case MARIADB -> "INSERT IGNORE INTO " + columns;
                case H2 -> "INSERT INTO " + columns;
            };
            insert = sql;
        }
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, group);
            statement.setString(2, id);
            statement.setLong(3, System.currentTimeMillis());
            return statement.executeUpdate() == 1;
        } catch (SQLException e) {
            if (e.getSQLState() != null && e.getSQLState().startsWith("23")) { // H2: integrity constraint violation
                return false;
            }
            throw e;
        }
    }

    /** Deliveries acknowledged without running the handler because their id was handled already. */
    public long duplicatesDropped() {
        return duplicates.get();
    }

    /** Deletes rows older than {@code age}; returns how many. */
    public int prune(Duration age) throws SQLException {
        Objects.requireNonNull(age, "age");
        try (Connection connection = dataSource.getConnection();
             PreparedStatement delete = connection.prepareStatement("DELETE FROM " + options.table()
                     + " WHERE received_at < ?")) {
            delete.setLong(1, System.currentTimeMillis() - age.toMillis());
            int deleted = delete.executeUpdate();
            if (!connection.getAutoCommit()) {
                connection.commit();
            }
            return deleted;
        }
    }

    private void pruneQuietly() {
        try {
            int deleted = prune(options.retention());
            log.debug("Pruned {} inbox row(s) older than {}", deleted, options.retention());
        } catch (SQLException | RuntimeException e) {
            log.warn("Could not prune the inbox table {}: {}", options.table(), e.toString());
        }
    }

    /** Stops pruning. Middleware already handed out keeps working. Idempotent. */
    @Override
    public void close() {
        pruner.shutdownNow();
    }
}
