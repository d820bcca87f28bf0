package dev.courier.jdbc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.api.Message;
import dev.courier.api.MessageBus;
import dev.courier.api.OutgoingMessage;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** What reaches the broker from the outbox: exactly the committed rows, as they were written. */
class OutboxTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.courier.jdbc.Database#all")
    void a_rolled_back_transaction_publishes_nothing(Database db) throws Exception {
        try (Fixture f = new Fixture(db)) {
            MessageBus bus = f.bus("memory://" + f.topic);
            dev.courier.testkit.Inbox<Signup> received = new dev.courier.testkit.Inbox<>();
            bus.subscribe(f.topic, "g", Signup.class, received);
            f.relay(bus);

            f.write(20, i -> OutgoingMessage.of(f.topic, new Signup("rolled-back", i)), false);
            List<String> marker = f.write(1, i -> OutgoingMessage.of(f.topic, new Signup("committed", i)), true);

            received.awaitIds(Set.copyOf(marker), WAIT); // rows are relayed oldest first
            assertEquals(marker, received.messages().stream().map(Message::id).toList());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.courier.jdbc.Database#all")
    void a_commit_publishes_exactly_the_committed_rows(Database db) throws Exception {
        try (Fixture f = new Fixture(db)) {
            MessageBus bus = f.bus("memory://" + f.topic);
            dev.courier.testkit.Inbox<Signup> received = new dev.courier.testkit.Inbox<>();
            bus.subscribe(f.topic, "g", Signup.class, received);
            f.relay(bus);

            Set<String> committed = new HashSet<>();
            for (int round = 0; round < 5; round++) {
                committed.addAll(f.write(20, i -> OutgoingMessage.of(f.topic, new Signup("u" + i, i)).withKey("u" + i), true));
                f.write(20, i -> OutgoingMessage.of(f.topic, new Signup("u" + i, -i)).withKey("u" + i), false);
            }

            received.awaitIds(committed, WAIT);
            Await.until(() -> f.outbox.pending() == 0, WAIT, "every relayed row to be deleted");
            assertEquals(committed, received.ids());
            assertEquals(committed.size(), received.messages().size(), "no duplicates without failures");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.courier.jdbc.Database#all")
    void a_relayed_message_arrives_as_it_was_written(Database db) throws Exception {
        try (Fixture f = new Fixture(db)) {
            MessageBus bus = f.bus("memory://" + f.topic);
            dev.courier.testkit.Inbox<Signup> typed = new dev.courier.testkit.Inbox<>();
            bus.subscribe(f.topic, "typed", Signup.class, typed);
            f.relay(bus);
            Instant when = Instant.parse("2026-03-04T05:06:07.123Z");

            try (Connection connection = f.dataSource.getConnection()) {
                connection.setAutoCommit(false);
                f.outbox.publish(connection, OutgoingMessage.of(f.topic, new Signup("ada", 1)).withKey("ada")
                        .withHeader("tenant", "acme").withId("written-id").withTimestamp(when));
                connection.commit();
            }

            Message<Signup> message = typed.awaitCount(1, WAIT).get(0);
            assertEquals("written-id", message.id());
            assertEquals("ada", message.key());
            assertEquals(Map.of("tenant", "acme"), message.headers());
            assertEquals("test.signup", message.type());
            assertEquals("application/json", message.contentType());
            assertEquals(when, message.timestamp());
            assertEquals(new Signup("ada", 1), message.payload());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.courier.jdbc.Database#all")
    void bytes_keep_their_content_type_and_event_type(Database db) throws Exception {
        try (Fixture f = new Fixture(db)) {
            MessageBus bus = f.bus("memory://" + f.topic);
            dev.courier.testkit.Inbox<byte[]> raw = new dev.courier.testkit.Inbox<>();
            bus.subscribe(f.topic, "raw", byte[].class, raw);
            f.relay(bus);
            byte[] bytes = {8, 1, 18, 3, 97, 100, 97};

            f.write(1, i -> OutgoingMessage.of(f.topic, bytes).withContentType("application/x-protobuf")
                    .withType("user.created"), true);

            Message<byte[]> message = raw.awaitCount(1, WAIT).get(0);
            assertArrayEquals(bytes, message.payload());
            assertEquals("application/x-protobuf", message.contentType());
            assertEquals("user.created", message.type());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.courier.jdbc.Database#all")
    void a_row_the_bus_refuses_holds_back_only_its_key_and_degrades_the_relay(Database db) throws Exception {
        try (Fixture f = new Fixture(db)) {
            MessageBus bus = f.bus("memory://" + f.topic);
            dev.courier.testkit.Inbox<Signup> received = new dev.courier.testkit.Inbox<>();
            bus.subscribe(f.topic, "g", Signup.class, received);
            OutboxRelay relay = f.relay(bus);

            f.write(1, i -> OutgoingMessage.of(f.topic, new Signup("bad", 1)).withKey("bad")
                    .withHeader("courier-mine", "reserved"), true);
            f.write(1, i -> OutgoingMessage.of(f.topic, new Signup("bad", 2)).withKey("bad"), true);
            List<String> good = f.write(1, i -> OutgoingMessage.of(f.topic, new Signup("good", 1)).withKey("good"), true);

            received.awaitIds(Set.copyOf(good), WAIT);
            Await.until(() -> relay.health().status() == dev.courier.api.HealthStatus.DEGRADED, WAIT,
                    "the relay to report the refused row");
            assertEquals(1, received.messages().size(), "the key of the refused row waits");
            Await.until(() -> f.outbox.pending() == 2, WAIT, "the good row to be deleted, the refused key's two to stay");
            String detail = relay.health().detail();
            assertEquals(true, detail.startsWith("refused (its key waits until the row is fixed or deleted): message "), detail);
            assertEquals(true, detail.contains("courier-"), detail);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.courier.jdbc.Database#all")
    void a_refused_row_is_tried_again_after_doubling_pauses_not_on_every_round(Database db) throws Exception {
        try (Fixture f = new Fixture(db)) {
            MessageBus bus = f.bus("memory://" + f.topic);
            OutboxRelay relay = f.relay(bus);

            f.write(1, i -> OutgoingMessage.of(f.topic, new Signup("bad", 1)).withKey("bad")
                    .withHeader("courier-mine", "reserved"), true);

            Await.until(() -> relay.health().detail().endsWith("[refused 3 time(s), next try in 4 s]"), WAIT,
                    "the third refusal, each after a pause twice the last");
            assertEquals(dev.courier.api.HealthStatus.DEGRADED, relay.health().status());
            assertEquals(1, f.outbox.pending(), "the refused row stays");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.courier.jdbc.Database#all")
    void bus_publishes_within_a_transaction_go_through_the_outbox_interceptor(Database db) throws Exception {
        try (Fixture f = new Fixture(db)) {
            MessageBus bus = f.closeLater(MessageBus.connect("memory://" + f.topic,
                    dev.courier.api.BusOptions.defaults().withInterceptor(f.outbox.interceptor())));
            dev.courier.testkit.Inbox<Signup> received = new dev.courier.testkit.Inbox<>();
            bus.subscribe(f.topic, "g", Signup.class, received);
            f.relay(bus); // its own publishes pass the interceptor: no connection is bound on its thread

            String rolledBack;
            String committed;
            try (Connection connection = f.dataSource.getConnection()) {
                connection.setAutoCommit(false);
                rolledBack = Outbox.within(connection, () -> bus.publish(f.topic, new Signup("ada", 1))
                        .toCompletableFuture().join().id());
                connection.rollback();
                committed = Outbox.within(connection, () -> bus.publish(f.topic, new Signup("ada", 2))
                        .toCompletableFuture().join().id());
                connection.commit();
            }
            String direct = bus.publish(f.topic, new Signup("ada", 3)).toCompletableFuture().join().id();

            received.awaitIds(Set.of(committed, direct), WAIT);
            assertEquals(Set.of(committed, direct), received.ids(), "the rolled-back " + rolledBack + " is never sent");
            assertEquals("test.signup", received.messages().get(0).type());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.courier.jdbc.Database#all")
    void a_delayed_message_is_refused_rather_than_relayed_early(Database db) throws Exception {
        try (Fixture f = new Fixture(db); Connection connection = f.dataSource.getConnection()) {
            OutgoingMessage delayed = OutgoingMessage.of(f.topic, new Signup("later", 1)).withDelay(Duration.ofHours(1));

            IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                    () -> f.outbox.publish(connection, delayed));

            assertTrue(refused.getMessage().contains("due times"), refused.getMessage());
        }
    }
}
