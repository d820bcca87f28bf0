package dev.courier.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.api.ConsumerOptions;
import dev.courier.api.MessageBus;
import dev.courier.api.OutgoingMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Several relays (as several application instances would run) share an outbox without breaking per-key order. */
@Tag("stress")
class RelayOrderTest {

    private static final int KEYS = 100;
    private static final int ROWS = 10_000;

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.courier.jdbc.Database#all")
    void four_relays_on_ten_thousand_keyed_rows_keep_per_key_order(Database db) throws Exception {
        try (Fixture f = new Fixture(db, OutboxOptions.defaults().withBatchSize(100).withPollInterval(Duration.ofMillis(50)))) {
            Map<String, List<Integer>> perKey = new ConcurrentHashMap<>();
            dev.courier.testkit.Inbox<Signup> received = new dev.courier.testkit.Inbox<>(message -> {
                List<Integer> seen = perKey.computeIfAbsent(message.key(), k -> new ArrayList<>());
                synchronized (seen) {
                    seen.add(message.payload().n());
                }
            });
            String url = "memory://" + f.topic;
            f.bus(url).subscribe(f.topic, "g", Signup.class, received, ConsumerOptions.concurrency(8).withMaxInFlight(256));
            List<OutboxRelay> relays = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                relays.add(f.relay(f.bus(url))); // one bus per relay, like one per instance
            }

            Set<String> ids = new HashSet<>();
            for (int from = 0; from < ROWS; from += 500) {
                int base = from;
                ids.addAll(f.write(500, i -> {
                    int row = base + i;
                    return OutgoingMessage.of(f.topic, new Signup("k" + row % KEYS, row / KEYS)).withKey("k" + row % KEYS);
                }, true));
            }

            received.awaitIds(ids, Duration.ofSeconds(90));
            assertEquals(KEYS, perKey.size());
            int redelivered = 0;
            for (Map.Entry<String, List<Integer>> entry : perKey.entrySet()) {
                // at-least-once: a row may come again (a round rolled back after publishing), but a
                // key's rows never overtake each other: each message is the next new row or a repeat
                int highest = -1;
                for (int n : entry.getValue()) {
                    assertTrue(n <= highest + 1, entry.getKey() + " out of order: " + entry.getValue());
                    redelivered += n <= highest ? 1 : 0;
                    highest = Math.max(highest, n);
                }
                assertEquals(ROWS / KEYS - 1, highest, entry.getKey() + " is missing rows: " + entry.getValue());
            }
            System.out.printf("%s: %d redelivered%n", db, redelivered);
            System.out.printf("%s: rows relayed per relay %s%n", db,
                    relays.stream().map(r -> r.health().relayed()).toList());
        }
    }
}
