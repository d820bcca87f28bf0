package dev.courier.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.testkit.Brokers;
import dev.courier.transport.kafka.KafkaTestBroker;
import java.net.URI;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The same apps, unchanged, on every broker transport: only {@code --broker} differs. RabbitMQ
 * and NATS come from {@code COURIER_AMQP_URL} / {@code COURIER_NATS_URL} or the local servers;
 * Kafka is transport-kafka's real test broker (or {@code COURIER_KAFKA_BOOTSTRAP}).
 */
@Tag("broker")
class ExampleAppsOnBrokersTest {

    /** A broker, named for the test report, whose URL is looked up (and its reachability checked) when used. */
    record Broker(String name, Supplier<String> url) {
        @Override
        public String toString() {
            return name;
        }

        String reachableUrl() {
            String resolved = url.get();
            if (!resolved.startsWith("kafka:")) {
                URI uri = URI.create(resolved);
                Brokers.requireReachable(name, uri.getHost(), uri.getPort());
            }
            return resolved;
        }
    }

    static Stream<Broker> brokers() {
        return Stream.of(
                new Broker("RabbitMQ", () -> env("COURIER_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")),
                new Broker("NATS", () -> env("COURIER_NATS_URL", "nats://127.0.0.1:4222")),
                new Broker("Kafka", KafkaTestBroker::sharedUrl));
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }

    @ParameterizedTest(name = "user-signup on {0}")
    @MethodSource("brokers")
    void user_signup_runs_unchanged(Broker broker) {
        ExampleAppsTest.Run run = ExampleAppsTest.run("user-signup", "--broker", broker.reachableUrl(), "--count", "200");
        assertEquals(0, run.exitCode(), run.out() + run.err());
        assertTrue(run.out().contains("summary: published 200, email handled 200, analytics handled 200, day-2 mails 200"),
                run.out());
    }

    @ParameterizedTest(name = "thumbnails on {0}")
    @MethodSource("brokers")
    void thumbnails_runs_unchanged(Broker broker) {
        ExampleAppsTest.Run run = ExampleAppsTest.run("thumbnails", "--broker", broker.reachableUrl(), "--count", "60",
                "--poison-every", "20", "--fail-rate", "0.2");
        assertEquals(0, run.exitCode(), run.out() + run.err());
        assertTrue(run.out().contains("summary: submitted 60, rendered 57, retried "), run.out());
        assertTrue(run.out().contains("dead-lettered 3"), run.out());
    }

    @ParameterizedTest(name = "signup-api on {0}")
    @MethodSource("brokers")
    void signup_api_runs_unchanged(Broker broker) {
        ExampleAppsTest.Run run = ExampleAppsTest.run("signup-api", "--broker", broker.reachableUrl(), "--count", "30");
        assertEquals(0, run.exitCode(), run.out() + run.err());
        assertTrue(run.out().contains("accepted 30, rejected 2, published 30, email handled 30, analytics handled 30"), run.out());
    }
}
