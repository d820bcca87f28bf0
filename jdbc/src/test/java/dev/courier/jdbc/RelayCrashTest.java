package dev.courier.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.courier.api.ConsumerOptions;
import dev.courier.api.MessageBus;
import dev.courier.api.OutgoingMessage;
import dev.courier.testkit.Brokers;
import dev.courier.transport.kafka.KafkaTestBroker;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A relay process SIGKILLed in the middle of a round loses nothing: the rows it published but
 * did not delete are published again by the next relay, with the same ids, and the consumer's
 * inbox drops those duplicates. On real brokers, since the relay runs in another JVM.
 */
@Tag("broker")
class RelayCrashTest {

    private static final int ROWS = 2_000;

    /**
     * A broker, named for the report, whose URL is looked up (and checked) when a test uses it;
     * {@code dropsRepeats}: it drops a message published again with the same id (JetStream's
     * duplicate window), so the inbox may see fewer duplicates than the relay published.
     */
    record Broker(String name, Supplier<String> url, boolean dropsRepeats) {
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

    static Stream<Arguments> brokersAndDatabases() {
        Broker rabbit = new Broker("RabbitMQ", () -> env("COURIER_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/"), false);
        Broker nats = new Broker("NATS", () -> env("COURIER_NATS_URL", "nats://127.0.0.1:4222"), true);
        Broker kafka = new Broker("Kafka", KafkaTestBroker::sharedUrl, false);
        return Stream.of(
                Arguments.of(rabbit, Database.postgres()), Arguments.of(rabbit, Database.mariadb()),
                Arguments.of(nats, Database.postgres()), Arguments.of(nats, Database.mariadb()),
                Arguments.of(kafka, Database.postgres()), Arguments.of(kafka, Database.mariadb()));
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }

    @ParameterizedTest(name = "{0} and {1}")
    @MethodSource("brokersAndDatabases")
    void a_relay_killed_mid_batch_loses_nothing_and_the_inbox_drops_the_duplicates(Broker broker, Database db)
            throws Exception {
        String url = broker.reachableUrl();
        try (Fixture f = new Fixture(db)) {
            Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();
            MessageBus consumer = f.bus(url);
            consumer.subscribe(f.topic, "crash", String.class,
                    message -> runs.computeIfAbsent(message.id(), id -> new AtomicInteger()).incrementAndGet(),
                    ConsumerOptions.concurrency(8).withMaxInFlight(64).withMiddleware(f.inbox.middleware("crash")));
            Set<String> ids = new HashSet<>();
            for (int from = 0; from < ROWS; from += 500) {
                int base = from;
                ids.addAll(f.write(500, i -> OutgoingMessage.of(f.topic, "row " + (base + i))
                        .withKey("k" + (base + i) % 30), true));
            }

            Process child = startRelay(db.url(), f.outboxTable, url);
            try {
                // kill while a round is open: its rows are handled already but not yet deleted
                Await.until(() -> {
                    long deleted = ROWS - f.outbox.pending();
                    return runs.size() >= ROWS / 10 && runs.size() > deleted;
                }, Duration.ofSeconds(60), "the child relay to be in the middle of a round");
                child.destroyForcibly(); // SIGKILL: no close, the open round's deletes roll back
                child.waitFor(30, TimeUnit.SECONDS);
            } finally {
                child.destroyForcibly();
            }
            Set<String> handledBeforeSuccessor = new HashSet<>(runs.keySet());
            Set<String> publishedAgain = pendingIds(f);
            publishedAgain.retainAll(handledBeforeSuccessor);
            f.relay(f.bus(url));

            Await.until(() -> runs.keySet().containsAll(ids), Duration.ofSeconds(120), "every row to be handled");
            Await.until(() -> f.outbox.pending() == 0, Duration.ofSeconds(30), "the outbox to drain");
            runs.forEach((id, count) -> assertEquals(1, count.get(), id + " ran its handler " + count + " times"));
            assertTrue(broker.dropsRepeats() || f.inbox.duplicatesDropped() >= publishedAgain.size(), "the rows the dead relay published and"
                    + " did not delete come again, and the inbox drops them");
            assertEquals(ids, runs.keySet());
            System.out.printf("relay crash on %s and %s: %d rows, %d handled and still in the outbox at the kill,"
                    + " %d duplicates dropped%n", broker, db, ROWS, publishedAgain.size(), f.inbox.duplicatesDropped());
        }
    }

    private static Set<String> pendingIds(Fixture f) throws Exception {
        Set<String> ids = new HashSet<>();
        try (Connection c = f.dataSource.getConnection(); Statement s = c.createStatement();
             ResultSet rows = s.executeQuery("SELECT message_id FROM " + f.outboxTable)) {
            while (rows.next()) {
                ids.add(rows.getString(1));
            }
        }
        return ids;
    }

    private static Process startRelay(String jdbcUrl, String table, String busUrl) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process process = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                RelayProcess.class.getName(), jdbcUrl, table, busUrl)
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        CompletableFuture<String> ready = CompletableFuture.supplyAsync(() -> {
            try {
                BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(),
                        StandardCharsets.UTF_8));
                String line;
                while ((line = reader.readLine()) != null) {
                    if (line.equals("ready")) {
                        return line;
                    }
                }
                return "exited with " + process.waitFor();
            } catch (Exception e) {
                return e.toString();
            }
        });
        String answer;
        try {
            answer = ready.get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            process.destroyForcibly();
            throw new AssertionError("the child relay did not start within 60 s", e);
        }
        if (!answer.equals("ready")) {
            process.destroyForcibly();
            fail("the child relay did not start: " + answer);
        }
        return process;
    }
}
