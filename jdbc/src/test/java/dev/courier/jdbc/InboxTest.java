package dev.courier.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.api.ConsumerOptions;
import dev.courier.api.Message;
import dev.courier.api.MessageBus;
import dev.courier.api.MessageHandler;
import dev.courier.api.Middleware;
import dev.courier.api.OutgoingMessage;
import dev.courier.api.RetryPolicy;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The inbox middleware: each message id runs its handler once per group, in one transaction with the handler's writes. */
class InboxTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private static Message<byte[]> message(String id) {
        return new Message<>(id, "t", null, Map.of(), "x".getBytes(StandardCharsets.UTF_8), "text/plain",
                Instant.now(), 1);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.courier.jdbc.Database#all")
    void each_message_id_runs_once_per_group_under_concurrent_redelivery(Database db) throws Exception {
        try (Fixture f = new Fixture(db)) {
            Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();
            List<Middleware> groups = List.of(f.inbox.middleware("email"), f.inbox.middleware("analytics"));
            int ids = 50;
            int copies = 4;
            ExecutorService pool = Executors.newFixedThreadPool(16);
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> deliveries = new ArrayList<>();
            try {
                for (int copy = 0; copy < copies; copy++) {
                    for (int i = 0; i < ids; i++) {
                        for (int g = 0; g < groups.size(); g++) {
                            Middleware inbox = groups.get(g);
                            String runKey = g + "/m" + i;
                            Message<byte[]> delivery = message("m" + i);
                            deliveries.add(pool.submit(() -> {
                                start.await();
                                MessageHandler<byte[]> handler = m -> runs.computeIfAbsent(runKey, k -> new AtomicInteger())
                                        .incrementAndGet();
                                redeliverOnDeadlock(() -> inbox.handle(delivery, handler));
                                return null;
                            }));
                        }
                    }
                }
                start.countDown();
                for (Future<?> delivery : deliveries) {
                    delivery.get(60, TimeUnit.SECONDS);
                }
            } finally {
                pool.shutdownNow();
            }

            assertEquals(ids * groups.size(), runs.size());
            runs.forEach((key, count) -> assertEquals(1, count.get(), key + " ran " + count + " times"));
            assertEquals((long) ids * groups.size() * (copies - 1), f.inbox.duplicatesDropped());
        }
    }

    /** A broker redelivers a message whose handling failed; InnoDB may pick a waiting duplicate as a deadlock victim. */
    private static void redeliverOnDeadlock(Callable delivery) throws Exception {
        for (int attempt = 1; ; attempt++) {
            try {
                delivery.call();
                return;
            } catch (SQLException e) {
                if (!"40001".equals(e.getSQLState()) || attempt == 5) {
                    throw e;
                }
            }
        }
    }

    private interface Callable {
        void call() throws Exception;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.courier.jdbc.Database#all")
    void a_redelivered_message_is_acknowledged_without_running_the_handler(Database db) throws Exception {
        try (Fixture f = new Fixture(db)) {
            MessageBus bus = f.bus("memory://" + f.topic);
            AtomicInteger runs = new AtomicInteger();
            dev.courier.testkit.Inbox<String> handled = new dev.courier.testkit.Inbox<>(m -> runs.incrementAndGet());
            dev.courier.testkit.Inbox<String> seen = new dev.courier.testkit.Inbox<>();
            bus.subscribe(f.topic, "g", String.class, handled, ConsumerOptions.defaults()
                    .withMiddleware((message, next) -> {
                        seen.handle(message.withPayload("seen"));
                        next.handle(message);
                    })
                    .withMiddleware(f.inbox.middleware("g")));

            OutgoingMessage event = OutgoingMessage.of(f.topic, "hello").withId("same-id");
            bus.publish(event).toCompletableFuture().join();
            bus.publish(event).toCompletableFuture().join();
            bus.publish(OutgoingMessage.of(f.topic, "after").withId("other-id")).toCompletableFuture().join();

            seen.awaitCount(3, WAIT);
            handled.awaitCount(2, WAIT);
            Await.until(() -> f.inbox.duplicatesDropped() == 1, WAIT, "the duplicate to be dropped");
            assertEquals(List.of("hello", "after"), handled.payloads());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.courier.jdbc.Database#all")
    void a_failed_handler_rolls_back_its_writes_and_its_inbox_row_so_the_retry_runs_it_again(Database db) throws Exception {
        try (Fixture f = new Fixture(db)) {
            String notes = Database.uniqueTable("notes");
            f.closeLater(() -> db.drop(List.of(notes)));
            try (Connection c = f.dataSource.getConnection(); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE " + notes + " (message_id VARCHAR(255), attempt INT)");
            }
            MessageBus bus = f.bus("memory://" + f.topic);
            dev.courier.testkit.Inbox<String> handled = new dev.courier.testkit.Inbox<>(message -> {
                try (PreparedStatement insert = Inbox.connection().prepareStatement(
                        "INSERT INTO " + notes + " (message_id, attempt) VALUES (?, ?)")) {
                    insert.setString(1, message.id());
                    insert.setInt(2, message.attempt());
                    insert.executeUpdate();
                }
                if (message.attempt() == 1) {
                    throw new IllegalStateException("first attempt fails");
                }
            });
            bus.subscribe(f.topic, "g", String.class, handled, ConsumerOptions.defaults()
                    .withRetry(RetryPolicy.exponential(3, Duration.ofMillis(10), Duration.ofMillis(10)))
                    .withMiddleware(f.inbox.middleware("g")));

            String id = bus.publish(f.topic, "hello").toCompletableFuture().join().id();

            handled.awaitCount(2, WAIT);
            Await.until(() -> count(f, "SELECT COUNT(*) FROM " + f.inboxTable) == 1, WAIT, "the inbox row");
            assertEquals(1, count(f, "SELECT COUNT(*) FROM " + notes + " WHERE attempt = 2 AND message_id = '" + id + "'"));
            assertEquals(1, count(f, "SELECT COUNT(*) FROM " + notes), "the failed attempt's write was rolled back");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.courier.jdbc.Database#all")
    void rows_older_than_the_retention_are_pruned(Database db) throws Exception {
        try (Fixture f = new Fixture(db)) {
            Middleware inbox = f.inbox.middleware("g");
            inbox.handle(message("old"), m -> { });
            try (Connection c = f.dataSource.getConnection(); Statement s = c.createStatement()) {
                s.executeUpdate("UPDATE " + f.inboxTable + " SET received_at = received_at - 3600000 WHERE message_id = 'old'");
            }
            inbox.handle(message("new"), m -> { });

            assertEquals(1, f.inbox.prune(Duration.ofMinutes(30)));
            assertEquals(1, count(f, "SELECT COUNT(*) FROM " + f.inboxTable + " WHERE message_id = 'new'"));
            assertEquals(1, count(f, "SELECT COUNT(*) FROM " + f.inboxTable));
        }
    }

    @Test
    void the_connection_is_only_available_inside_an_inbox_handler() {
        IllegalStateException e = assertThrows(IllegalStateException.class, Inbox::connection);
        assertTrue(e.getMessage().contains("withMiddleware(inbox.middleware(group))"), e.getMessage());
    }

    private static long count(Fixture f, String sql) throws SQLException {
        try (Connection c = f.dataSource.getConnection(); Statement s = c.createStatement(); ResultSet r = s.executeQuery(sql)) {
            r.next();
            return r.getLong(1);
        }
    }
}
