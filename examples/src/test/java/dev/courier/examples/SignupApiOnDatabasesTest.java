package dev.courier.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.testkit.Brokers;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** signup-api unchanged on the real databases: only {@code --db} differs (the default is an H2 file). */
@Tag("broker")
class SignupApiOnDatabasesTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "PostgreSQL, 5432, jdbc:postgresql://127.0.0.1:5432/test?user=postgres",
            "MariaDB, 3306, jdbc:mariadb://127.0.0.1:3306/test?user=root"})
    void signup_api_saves_users_and_their_events_together(String database, int port, String url) {
        Brokers.requireReachable(database, "127.0.0.1", port);
        ExampleAppsTest.Run run = ExampleAppsTest.run("signup-api", "--broker", "memory://examples-api-" + port,
                "--db", url, "--count", "30");
        assertEquals(0, run.exitCode(), run.out() + run.err());
        assertTrue(run.out().contains("accepted 30, rejected 2, published 30, email handled 30, analytics handled 30"),
                run.out());
    }
}
