package dev.courier.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The signup-grpc app end to end (Netty on a free local port) on memory://, checked by its summary line. */
class SignupGrpcAppTest {

    static ExampleAppsTest.Run run(String... args) {
        return ExampleRun.of(SignupGrpcApp::run, args);
    }

    /** The summary a run of {@code count} calls prints when nothing was lost or duplicated. */
    static String complete(int count) {
        int retries = (count + 9) / 10;
        return "calls " + (count + retries + 2) + ", users " + count + ", retries answered with the same event "
                + retries + "/" + retries + ", invalid 2, email handled " + count + ", analytics handled " + count
                + ", traces continued " + count;
    }

    @Test
    void every_created_user_reaches_both_services_once_and_retries_get_the_same_event() {
        ExampleAppsTest.Run run = run("--broker", "memory://signup-grpc-app", "--count", "50");

        assertEquals(0, run.exitCode(), run.out() + run.err());
        assertTrue(run.out().contains("summary: " + complete(50)), run.out());
    }

    @Test
    void with_an_h2_database_users_and_their_events_commit_together() {
        ExampleAppsTest.Run run = run("--broker", "memory://signup-grpc-app-h2", "--count", "30",
                "--db", "jdbc:h2:mem:signup-grpc-app;DB_CLOSE_DELAY=-1");

        assertEquals(0, run.exitCode(), run.out() + run.err());
        assertTrue(run.out().contains("summary: " + complete(30)), run.out());
    }

    @Test
    void a_bad_option_is_a_usage_error() {
        ExampleAppsTest.Run run = run("--count", "many");

        assertEquals(64, run.exitCode());
        assertTrue(run.err().contains("--count"), run.err());
    }
}
