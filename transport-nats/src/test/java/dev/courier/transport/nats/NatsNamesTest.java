package dev.courier.transport.nats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.spi.Destination;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class NatsNamesTest {

    private static final String ALPHABET = "ab._-Z9";

    @Test
    void streamNamesAreLegalAndReadable() {
        assertEquals("courier-t-orders_created", NatsNames.stream(Destination.topic("orders.created")));
        assertEquals("courier-q-thumb~nails", NatsNames.stream(Destination.queue("thumb_nails")));
        String longest = "x".repeat(120) + "." + "g".repeat(100) + ".dlq";
        String stream = NatsNames.stream(Destination.queue(longest));
        assertTrue(stream.length() <= NatsNames.MAX_NAME, stream);
        for (String name : List.of(stream, NatsNames.stream(Destination.topic("a.b-c_d")))) {
            assertFalse(name.matches(".*[.*> \\t\\r\\n/\\\\].*"), name);
        }
    }

    @Test
    void streamNamesAreInjective() {
        Map<String, Destination> seen = new HashMap<>();
        Random random = new Random(42);
        for (int i = 0; i < 50_000; i++) {
            StringBuilder name = new StringBuilder();
            int length = 1 + random.nextInt(6);
            for (int j = 0; j < length; j++) {
                name.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
            }
            for (Destination destination : List.of(Destination.topic(name.toString()), Destination.queue(name.toString()))) {
                Destination before = seen.put(NatsNames.stream(destination), destination);
                assertTrue(before == null || before.equals(destination), before + " and " + destination);
            }
        }
    }

    @Test
    void longNamesStayDistinctAfterHashing() {
        String base = "q".repeat(200);
        assertNotEquals(NatsNames.stream(Destination.queue(base + "a")), NatsNames.stream(Destination.queue(base + "b")));
        assertNotEquals(NatsNames.stream(Destination.queue(base + ".a")), NatsNames.stream(Destination.queue(base + "_a")));
    }

    @Test
    void subjectsSeparateTopicsFromQueues() {
        assertEquals("courier.t.a.b", NatsNames.subject(Destination.topic("a.b")));
        assertEquals("courier.q.a.b", NatsNames.subject(Destination.queue("a.b")));
        assertEquals("courier.tx._a", NatsNames.subject(Destination.topic(".a")));
        assertEquals("courier.tx.a__b", NatsNames.subject(Destination.topic("a..b")));
        assertEquals("courier.qx.a_", NatsNames.subject(Destination.queue("a.")));
    }

    @Test
    void durableNamesComeFromTheGroup() {
        assertEquals("email-service_v2", NatsNames.durable(Destination.topic("t"), "email-service.v2"));
        assertEquals(NatsNames.QUEUE_CONSUMER, NatsNames.durable(Destination.queue("q"), null));
    }
}
