package dev.courier.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.courier.api.MessageBus;
import dev.courier.api.OutgoingMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/** The tables: created on request (idempotently), and shipped as SQL for migration tools. */
class SchemaTest {

    @ParameterizedTest
    @EnumSource(Dialect.class)
    void every_dialect_ships_its_outbox_and_inbox_sql(Dialect dialect) {
        for (String table : List.of("outbox", "inbox")) {
            assertNotNull(Dialect.class.getClassLoader().getResource(dialect.schemaResource(table)),
                    dialect.schemaResource(table));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.courier.jdbc.Database#all")
    void creating_the_tables_twice_is_harmless(Database db) throws Exception {
        try (Fixture f = new Fixture(db)) {
            f.outbox.createTables();
            f.inbox.createTables();
            assertEquals(0, f.outbox.pending());
        }
    }

    @Test
    void a_table_name_must_be_a_plain_identifier() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OutboxOptions.defaults().withTable("outbox; DROP TABLE users"));
        assertEquals("a table name is 1 to 51 of [A-Za-z0-9_], not starting with a digit: 'outbox; DROP TABLE users'",
                e.getMessage());
    }

    @Test
    void the_outbox_and_inbox_run_on_an_h2_file_database(@TempDir Path dir) throws Exception {
        UrlDataSource h2 = new UrlDataSource("jdbc:h2:file:" + dir.resolve("app") + ";DB_CLOSE_DELAY=-1");
        Outbox outbox = Outbox.create(h2, dev.courier.api.BusOptions.defaults(),
                OutboxOptions.defaults().withPollInterval(Duration.ofMillis(20)));
        outbox.createTables();
        try (Inbox inbox = Inbox.create(h2);
             MessageBus bus = MessageBus.connect("memory://h2-schema")) {
            inbox.createTables();
            dev.courier.testkit.Inbox<Signup> received = new dev.courier.testkit.Inbox<>();
            bus.subscribe("signups", "g", Signup.class, received,
                    dev.courier.api.ConsumerOptions.defaults().withMiddleware(inbox.middleware("g")));
            try (OutboxRelay relay = outbox.startRelay(bus); Connection c = h2.getConnection()) {
                c.setAutoCommit(false);
                String id = outbox.publish(c, OutgoingMessage.of("signups", new Signup("ada", 1)).withKey("ada"));
                c.commit();
                received.awaitIds(Set.of(id), Duration.ofSeconds(30));
            }
        }
        assertEquals(true, Files.exists(dir.resolve("app.mv.db")));
    }
}
