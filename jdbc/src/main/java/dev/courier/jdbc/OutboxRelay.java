package dev.courier.jdbc;

import dev.courier.api.HealthStatus;
import dev.courier.api.MessageBus;
import dev.courier.api.MessageTooLargeException;
import dev.courier.api.OutgoingMessage;
import dev.courier.api.PublishReceipt;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes an outbox's committed rows through a bus, on a thread of its own, until closed;
 * started with {@link Outbox#startRelay(MessageBus)}.
 *
 * <p>Each round is one transaction: lock the oldest rows that are the oldest of their key
 * ({@code SELECT ... FOR UPDATE SKIP LOCKED}, so other relays take other keys), add the rows
 * that follow them in their keys, publish each key's rows one after the other (different keys
 * at once), delete the rows the broker confirmed, commit. A relay that dies mid-round leaves its
 * rows to the next round of any relay: they are published again with the same ids.
 *
 * <p>A database failure is retried with backoff (100 ms doubling up to
 * {@link OutboxOptions#maxBackoff()}) and shown as {@link HealthStatus#RECONNECTING} by
 * {@link #health()}; a broker failure leaves the rows in place and shows as
 * {@link HealthStatus#DEGRADED} until a round succeeds. A row the bus refuses for good (a
 * reserved header, a payload over the broker's limit) stays, holding back its key, and keeps the
 * relay degraded, its health detail counting the refusals: fix or delete it by hand. It is tried
 * again after 1 s, doubling up to 5 min, never on every round.
 *
 * <p>Thread safe: {@link #health()} and {@link #close()} may be called from any thread.
 */
public final class OutboxRelay implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(OutboxRelay.class);
    private static final long FIRST_BACKOFF_MILLIS = 100;
    /** A refused row is tried again after 1 s, doubling up to 5 min: it may have been fixed by hand. */
    private static final Duration FIRST_REFUSAL_RETRY = Duration.ofSeconds(1);
    private static final Duration MAX_REFUSAL_RETRY = Duration.ofMinutes(5);
    private static final long ROUND_TIMEOUT_SECONDS = 120;
    private static final String COLUMNS = "seq, message_id, topic, message_key, headers, event_type, content_type,"
            + " created_at, payload";

    private final DataSource dataSource;
    private final OutboxOptions options;
    private final MessageBus bus;
    private final String table;
    private final Thread thread;
    private final ExecutorService publisher;
    private final Object lock = new Object();
    private final AtomicLong relayed = new AtomicLong();
    /** Rows the bus refused, by seq: when each may be tried again, so a refused row is not retried every round. */
    private final Map<Long, Refusal> refusals = new ConcurrentHashMap<>();
    private volatile boolean running = true;
    private volatile HealthStatus status = HealthStatus.UP;
    private volatile String detail = "";
    private Connection connection;
    private String lastLogged;
    private PostgresWakeups wakeups;
    private Dialect dialect;

    OutboxRelay(DataSource dataSource, OutboxOptions options, MessageBus bus) {
        this.dataSource = dataSource;
        this.options = options;
        this.bus = bus;
        this.table = options.table();
        this.thread = new Thread(this::run, "courier-outbox-relay-" + table);
        this.thread.setDaemon(true);
        this.publisher = Executors.newSingleThreadExecutor(task -> {
            Thread t = new Thread(task, "courier-outbox-publish-" + table);
            t.setDaemon(true);
            return t;
        });
    }

    OutboxRelay start() {
        thread.start();
        return this;
    }

    /** The relay's state and how many rows it published. Never throws. */
    public RelayHealth health() {
        return new RelayHealth(running ? status : HealthStatus.CLOSED, detail, relayed.get());
    }

    /**
     * Stops after the current round (waiting for its publishes, up to two minutes) and releases
     * the relay's connections. Rows not yet confirmed stay for the next relay. Idempotent.
     */
    @Override
    public void close() {
        running = false;
        synchronized (lock) {
            lock.notifyAll();
        }
        if (Thread.currentThread() != thread) {
            try {
                thread.join(TimeUnit.SECONDS.toMillis(ROUND_TIMEOUT_SECONDS + 10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        publisher.shutdownNow();
    }

    private void run() {
        long backoff = FIRST_BACKOFF_MILLIS;
        while (running) {
            try {
                Round round = relayOnce();
                if (round.brokerFailed()) { // the broker may be down: wait before trying again
                    status = HealthStatus.DEGRADED;
                    detail = round.failure();
                    pause(backoff);
                    backoff = Math.min(backoff * 2, options.maxBackoff().toMillis());
                    continue;
                }
                backoff = FIRST_BACKOFF_MILLIS;
                status = round.failure() != null ? HealthStatus.DEGRADED : HealthStatus.UP; // a refused row waits
                detail = round.failure() != null ? round.failure() : "";
                if (round.taken() < options.batchSize() || round.published() == 0) {
                    idle();
                }
            } catch (SQLException | RuntimeException e) {
                if (!running) {
                    break;
                }
                status = HealthStatus.RECONNECTING;
                detail = "database: " + e.getMessage();
                log.warn("Outbox relay on {} failed, retrying in {} ms: {}", table, backoff, e.toString());
                disconnect();
                pause(backoff);
                backoff = Math.min(backoff * 2, options.maxBackoff().toMillis());
            }
        }
        disconnect();
    }

    /**
     * What one round did: rows taken and published, the first publish failure or null, and
     * whether a failure was the broker's (worth a backoff) rather than a row the bus refuses.
     */
    private record Round(int taken, int published, String failure, boolean brokerFailed) {
    }

    /** A row the bus refused {@code attempts} times; tried again at {@code dueNanos} at the earliest. */
    private record Refusal(int attempts, long dueNanos, String reason) {

        static Refusal after(Refusal previous, String reason) {
            int attempts = previous == null ? 1 : previous.attempts() + 1;
            return new Refusal(attempts, System.nanoTime() + delayNanos(attempts), reason);
        }

        private static long delayNanos(int attempts) {
            return Math.min(FIRST_REFUSAL_RETRY.toNanos() << Math.min(attempts - 1, 20), MAX_REFUSAL_RETRY.toNanos());
        }

        String describe() {
            return reason + " [refused " + attempts + " time(s), next try in "
                    + TimeUnit.NANOSECONDS.toSeconds(delayNanos(attempts)) + " s]";
        }
    }

    private record Row(long seq, String id, String topic, String key, String headers, String type, String contentType,
                       long createdAt, byte[] payload) {
    }

    private Connection connection() throws SQLException {
        if (connection == null) {
            Connection fresh = dataSource.getConnection();
            try {
                fresh.setAutoCommit(false);
                fresh.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED); // no gap locks on MariaDB
                dialect = Dialect.of(fresh);
            } catch (SQLException | RuntimeException e) {
                fresh.close();
                throw e;
            }
            connection = fresh;
        }
        return connection;
    }

    private Round relayOnce() throws SQLException {
        Connection c = connection();
        boolean done = false;
        try {
            List<Row> rows = heads(c);
            if (rows.isEmpty()) {
                c.commit();
                done = true;
                return new Round(0, 0, null, false);
            }
            rows.addAll(followers(c, rows));
            rows.sort(Comparator.comparingLong(Row::seq));
            AtomicReference<String> failure = new AtomicReference<>();
            AtomicBoolean brokerFailed = new AtomicBoolean();
            List<Long> confirmed = publish(rows, failure, brokerFailed);
            delete(c, confirmed);
            c.commit();
            done = true;
            relayed.addAndGet(confirmed.size());
            return new Round(rows.size(), confirmed.size(), failure.get(), brokerFailed.get());
        } finally {
            if (!done) {
                try {
                    c.rollback();
                } catch (SQLException ignored) {
                    // the connection is gone: the database rolls back
                }
            }
        }
    }

    /**
     * The oldest rows that are the oldest of their key (or have none), locked, skipping rows other
     * relays locked. Two statements: the candidates are found by a plain read, which sees a row
     * another relay holds (so the rows after it are no candidates), and only then locked. In one
     * {@code SELECT ... FOR UPDATE SKIP LOCKED} MariaDB would skip the locked row inside the
     * {@code NOT EXISTS} too, and take the rows after it out of order.
     */
    private List<Row> heads(Connection c) throws SQLException {
        List<Long> candidates = new ArrayList<>();
        String find = "SELECT o.seq FROM " + table + " o WHERE o.message_key IS NULL OR NOT EXISTS"
                + " (SELECT 1 FROM " + table + " p WHERE p.message_key = o.message_key AND p.seq < o.seq)"
                + " ORDER BY o.seq LIMIT " + (4 * options.batchSize());
        try (PreparedStatement select = c.prepareStatement(find); ResultSet r = select.executeQuery()) {
            while (r.next()) {
                candidates.add(r.getLong(1));
            }
        }
        if (candidates.isEmpty()) {
            return new ArrayList<>();
        }
        String marks = String.join(", ", java.util.Collections.nCopies(candidates.size(), "?"));
        String lock = "SELECT " + COLUMNS + " FROM " + table + " WHERE seq IN (" + marks + ") ORDER BY seq LIMIT "
                + options.batchSize() + dialect.lockRowsSkippingLocked();
        try (PreparedStatement select = c.prepareStatement(lock)) {
            for (int i = 0; i < candidates.size(); i++) {
                select.setLong(i + 1, candidates.get(i));
            }
            return read(select);
        }
    }

    /**
     * The rows after the heads in the heads' keys. No other relay takes them while this one holds
     * the heads' locks: they are not the oldest of their keys.
     */
    private List<Row> followers(Connection c, List<Row> heads) throws SQLException {
        int room = options.batchSize() - heads.size();
        Set<String> keys = new LinkedHashSet<>();
        Set<Long> taken = new HashSet<>();
        long first = Long.MAX_VALUE;
        for (Row head : heads) {
            taken.add(head.seq());
            if (head.key() != null) {
                keys.add(head.key());
                first = Math.min(first, head.seq());
            }
        }
        if (room <= 0 || keys.isEmpty()) {
            return List.of();
        }
        String marks = String.join(", ", java.util.Collections.nCopies(keys.size(), "?"));
        String sql = "SELECT " + COLUMNS + " FROM " + table + " WHERE message_key IN (" + marks + ") AND seq > ?"
                + " ORDER BY seq LIMIT " + (room + heads.size());
        try (PreparedStatement select = c.prepareStatement(sql)) {
            int i = 1;
            for (String key : keys) {
                select.setString(i++, key);
            }
            select.setLong(i, first);
            List<Row> more = new ArrayList<>();
            for (Row row : read(select)) {
                if (!taken.contains(row.seq()) && more.size() < room) {
                    more.add(row);
                }
            }
            return more;
        }
    }

    private static List<Row> read(PreparedStatement select) throws SQLException {
        List<Row> rows = new ArrayList<>();
        try (ResultSet r = select.executeQuery()) {
            while (r.next()) {
                rows.add(new Row(r.getLong(1), r.getString(2), r.getString(3), r.getString(4), r.getString(5),
                        r.getString(6), r.getString(7), r.getLong(8), r.getBytes(9)));
            }
        }
        return rows;
    }

    /** Publishes each key's rows in order, keys at once; returns the confirmed rows' seqs (a prefix of each key's). */
    private List<Long> publish(List<Row> rows, AtomicReference<String> failure, AtomicBoolean brokerFailed) {
        Map<Object, List<Row>> chains = new LinkedHashMap<>();
        for (Row row : rows) {
            chains.computeIfAbsent(row.key() != null ? row.key() : (Object) row.seq(), k -> new ArrayList<>()).add(row);
        }
        Set<Long> confirmed = ConcurrentHashMap.newKeySet();
        List<CompletableFuture<Void>> all = new ArrayList<>();
        Set<Long> inRound = new HashSet<>();
        rows.forEach(row -> inRound.add(row.seq()));
        refusals.keySet().retainAll(inRound); // fixed, deleted, or held by another relay now
        long now = System.nanoTime();
        for (List<Row> chain : chains.values()) {
            Refusal waiting = refusals.get(chain.get(0).seq());
            if (waiting != null && now - waiting.dueNanos() < 0) {
                failure.compareAndSet(null, waiting.describe()); // not due yet: its key keeps waiting
                continue;
            }
            AtomicReference<Row> attempting = new AtomicReference<>();
            CompletableFuture<Void> next = CompletableFuture.completedFuture(null);
            for (Row row : chain) {
                next = next.thenComposeAsync(ignored -> {
                    attempting.set(row);
                    return send(row);
                }, publisher).thenAccept(receipt -> {
                    confirmed.add(row.seq());
                    refusals.remove(row.seq());
                });
            }
            all.add(next.exceptionally(e -> {
                Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                if (cause instanceof IllegalArgumentException || cause instanceof MessageTooLargeException) {
                    Refusal refusal = refusals.compute(attempting.get().seq(), (seq, previous) -> Refusal.after(previous,
                            "refused (its key waits until the row is fixed or deleted): " + cause.getMessage()));
                    failure.compareAndSet(null, refusal.describe());
                } else {
                    brokerFailed.set(true);
                    failure.compareAndSet(null, "broker: " + cause);
                }
                return null;
            }));
        }
        try {
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(ROUND_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            brokerFailed.set(true);
            failure.compareAndSet(null, "broker: no confirmation within " + ROUND_TIMEOUT_SECONDS + " s");
        } catch (Exception e) {
            brokerFailed.set(true);
            failure.compareAndSet(null, "broker: " + e);
        }
        String text = failure.get();
        if (text != null && !text.equals(lastLogged)) { // once per distinct failure, not once per round
            log.warn("Outbox relay on {}: {} (the rows stay and are published again)", table, text);
        }
        lastLogged = text;
        return new ArrayList<>(confirmed);
    }

    private CompletableFuture<PublishReceipt> send(Row row) {
        OutgoingMessage message = new OutgoingMessage(row.topic(), row.payload(), row.key(),
                Encoding.headers(row.headers()), row.id(), row.type(), row.contentType(),
                Instant.ofEpochMilli(row.createdAt()));
        try {
            return bus.publish(message).toCompletableFuture();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("message " + row.id() + " (outbox row " + row.seq() + "): "
                    + e.getMessage(), e);
        }
    }

    /**
     * Deletes the confirmed rows one primary key at a time (in one batch): a {@code seq IN (...)}
     * delete may scan past rows another relay holds and deadlock with it on MariaDB.
     */
    private void delete(Connection c, List<Long> seqs) throws SQLException {
        if (seqs.isEmpty()) {
            return;
        }
        try (PreparedStatement delete = c.prepareStatement("DELETE FROM " + table + " WHERE seq = ?")) {
            for (long seq : seqs) {
                delete.setLong(1, seq);
                delete.addBatch();
            }
            delete.executeBatch();
        }
    }

    /** Waits for a wake-up (PostgreSQL) or the poll interval. */
    private void idle() throws SQLException {
        int millis = (int) Math.min(Integer.MAX_VALUE, options.pollInterval().toMillis());
        if (dialect == Dialect.POSTGRESQL) {
            if (wakeups == null) {
                wakeups = new PostgresWakeups(dataSource.getConnection(), table);
            }
            wakeups.await(Math.min(millis, 1_000)); // short slices so close() is prompt
            return;
        }
        pause(millis);
    }

    private void pause(long millis) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        synchronized (lock) {
            long left;
            while (running && (left = deadline - System.nanoTime()) > 0) {
                try {
                    TimeUnit.NANOSECONDS.timedWait(lock, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    running = false;
                }
            }
        }
    }

    private void disconnect() {
        if (wakeups != null) {
            wakeups.close();
            wakeups = null;
        }
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // already broken
            }
            connection = null;
        }
    }

    @Override
    public String toString() {
        return "OutboxRelay[" + table + ", " + Objects.toString(status) + "]";
    }
}
