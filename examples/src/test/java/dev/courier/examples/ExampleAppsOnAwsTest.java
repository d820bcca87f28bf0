package dev.courier.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.transport.aws.MotoServer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The same apps, unchanged, on {@code aws://} (SNS and SQS): only {@code --broker} differs. The
 * broker is transport-aws's {@code moto_server} of the tests' own, reached through the
 * {@code endpoint} option, with dummy credentials from the SDK's default chain.
 */
@Tag("broker")
class ExampleAppsOnAwsTest {

    private String broker;

    @BeforeEach
    void startEmulator() {
        MotoServer.require();
        broker = MotoServer.url();
    }

    @Test
    void user_signup_runs_unchanged_on_aws() {
        ExampleAppsTest.Run run = ExampleAppsTest.run("user-signup", "--broker", broker, "--count", "200");
        assertEquals(0, run.exitCode(), run.out() + run.err());
        assertTrue(run.out().contains("summary: published 200, email handled 200, analytics handled 200"), run.out());
    }

    @Test
    void thumbnails_runs_unchanged_on_aws() {
        ExampleAppsTest.Run run = ExampleAppsTest.run("thumbnails", "--broker", broker, "--count", "60",
                "--poison-every", "20", "--fail-rate", "0.2");
        assertEquals(0, run.exitCode(), run.out() + run.err());
        assertTrue(run.out().contains("summary: submitted 60, rendered 57, retried "), run.out());
        assertTrue(run.out().contains("dead-lettered 3"), run.out());
    }

    @Test
    void signup_api_runs_unchanged_on_aws() {
        ExampleAppsTest.Run run = ExampleAppsTest.run("signup-api", "--broker", broker, "--count", "30");
        assertEquals(0, run.exitCode(), run.out() + run.err());
        assertTrue(run.out().contains("accepted 30, rejected 2, published 30, email handled 30, analytics handled 30"), run.out());
    }
}
