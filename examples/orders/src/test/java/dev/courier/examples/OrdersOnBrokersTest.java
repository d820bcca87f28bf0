package dev.courier.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.testkit.Brokers;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The orders app unchanged on every broker the other apps run on, and on PostgreSQL with --db: only the options differ. */
@Tag("broker")
class OrdersOnBrokersTest {

    static Stream<ExampleAppsOnBrokersTest.Broker> brokers() {
        return ExampleAppsOnBrokersTest.brokers();
    }

    @ParameterizedTest(name = "orders on {0}")
    @MethodSource("brokers")
    void orders_runs_unchanged(ExampleAppsOnBrokersTest.Broker broker) {
        ExampleAppsTest.Run run = OrdersAppTest.run("--broker", broker.reachableUrl(), "--count", "20", "--reminder-delay", "1");

        assertEquals(0, run.exitCode(), run.out() + run.err());
        assertTrue(run.out().contains("summary: orders 20, placed 20, charged 18 (retried "), run.out());
        // reminders (every broker here has delayed delivery); the app exits 0 only when every one arrived
        assertTrue(run.out().contains("dead-lettered 2, invoiced 18, reminded 2 ("), run.out());
    }

    @Test
    void orders_saves_orders_and_their_events_together_in_postgresql() {
        Brokers.requireReachable("PostgreSQL", "127.0.0.1", 5432);
        ExampleAppsTest.Run run = OrdersAppTest.run("--broker", "memory://orders-postgresql", "--count", "20",
                "--reminder-delay", "1", "--db", "jdbc:postgresql://127.0.0.1:5432/test?user=postgres");

        assertEquals(0, run.exitCode(), run.out() + run.err());
        assertTrue(run.out().contains("summary: orders 20, placed 20, charged 18 (retried "), run.out());
        assertTrue(run.out().contains("dead-lettered 2, invoiced 18, reminded 2 ("), run.out());
    }
}
