package dev.courier.jdbc;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.api.BusOptions;
import dev.courier.api.HealthStatus;
import dev.courier.api.MessageBus;
import dev.courier.api.OutgoingMessage;
import dev.courier.testkit.CuttableProxy;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The database going away under load (every relay connection cut, new ones refused, by a proxy
 * between relay and database) loses nothing: the relay shows the outage in its health, retries
 * with backoff, and publishes every committed row once the database is back.
 */
class DatabaseOutageTest {

    private static final Duration WAIT = Duration.ofSeconds(60);

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.courier.jdbc.Database#all")
    void the_database_cut_under_load_loses_nothing(Database db) throws Exception {
        try (Fixture f = new Fixture(db);
             CuttableProxy proxy = new CuttableProxy(db.host(), db.port());
             Database.PooledDataSource throughProxy = Database.dataSource(db.url("127.0.0.1", proxy.port()))) {
            MessageBus bus = f.bus("memory://" + f.topic);
            dev.courier.testkit.Inbox<Signup> received = new dev.courier.testkit.Inbox<>();
            bus.subscribe(f.topic, "g", Signup.class, received);
            OutboxRelay relay = f.closeLater(Outbox.create(throughProxy.get(), BusOptions.defaults(),
                    OutboxOptions.defaults().withTable(f.outboxTable).withBatchSize(50)
                            .withPollInterval(Duration.ofMillis(50)).withMaxBackoff(Duration.ofMillis(500)))
                    .startRelay(bus));
            Set<String> ids = new HashSet<>();

            for (int round = 0; round < 3; round++) {
                ids.addAll(f.write(300, i -> OutgoingMessage.of(f.topic, new Signup("before", i)).withKey("k" + i % 7), true));
            }
            proxy.cut();
            Await.until(() -> relay.health().status() == HealthStatus.RECONNECTING, WAIT, "the relay to report the outage");
            String detail = relay.health().detail();
            for (int round = 0; round < 3; round++) {
                ids.addAll(f.write(300, i -> OutgoingMessage.of(f.topic, new Signup("during", i)).withKey("k" + i % 7), true));
            }
            proxy.restore();

            received.awaitIds(ids, WAIT);
            Await.until(() -> relay.health().isUp(), WAIT, "the relay to report it is up again");
            Await.until(() -> f.outbox.pending() == 0, WAIT, "the outbox to drain");
            assertTrue(detail.startsWith("database: "), detail);
        }
    }
}
