package dev.courier.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.testkit.Brokers;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** signup-grpc unchanged on every broker the other apps run on, and on PostgreSQL with --db: only the options differ. */
@Tag("broker")
class SignupGrpcOnBrokersTest {

    static Stream<ExampleAppsOnBrokersTest.Broker> brokers() {
        return ExampleAppsOnBrokersTest.brokers();
    }

    @ParameterizedTest(name = "signup-grpc on {0}")
    @MethodSource("brokers")
    void signup_grpc_runs_unchanged(ExampleAppsOnBrokersTest.Broker broker) {
        ExampleAppsTest.Run run = SignupGrpcAppTest.run("--broker", broker.reachableUrl(), "--count", "30");

        assertEquals(0, run.exitCode(), run.out() + run.err());
        assertTrue(run.out().contains("summary: " + SignupGrpcAppTest.complete(30)), run.out());
    }

    @Test
    void signup_grpc_saves_users_and_their_events_together_in_postgresql() {
        Brokers.requireReachable("PostgreSQL", "127.0.0.1", 5432);
        ExampleAppsTest.Run run = SignupGrpcAppTest.run("--broker", "memory://signup-grpc-postgresql", "--count", "30",
                "--db", "jdbc:postgresql://127.0.0.1:5432/test?user=postgres");

        assertEquals(0, run.exitCode(), run.out() + run.err());
        assertTrue(run.out().contains("summary: " + SignupGrpcAppTest.complete(30)), run.out());
    }
}
