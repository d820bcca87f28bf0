package dev.courier.transport.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.spi.Destination;
import dev.courier.spi.Envelope;
import dev.courier.spi.EnvelopeForm;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * What each envelope form costs on the wire, and that nothing travels twice: the attribute set of
 * a 100 B message is exact, and its attribute bytes (names, types and values, as SNS and SQS count
 * them) are printed and bounded. {@code ./mvnw -B -o -q -pl transport-aws -am verify
 * -Dtest=AwsEnvelopeBytesTest -Dsurefire.failIfNoSpecifiedTests=false} prints the numbers in
 * docs/DESIGN.md.
 */
class AwsEnvelopeBytesTest {

    private static final Destination TOPIC = Destination.topic("orders");

    private static Envelope hundredBytes(String contentType, String type) {
        return new Envelope(UUID.randomUUID().toString(), TOPIC, null, Map.of(), "x".repeat(100).getBytes(StandardCharsets.UTF_8),
                contentType, Instant.ofEpochMilli(1_764_000_000_123L), type);
    }

    private static long attributeBytes(AwsMessages.Wire wire) {
        return wire.size() - AwsMessages.utf8Length(wire.body());
    }

    @Test
    void the_cloudevents_form_carries_each_attribute_once() {
        AwsMessages.Wire wire = AwsMessages.toWire(hundredBytes("application/json", null), EnvelopeForm.CLOUDEVENTS);
        System.out.println("aws cloudevents attribute bytes, 100 B json message on 'orders': " + attributeBytes(wire));

        assertEquals(Set.of("ce-id", "ce-source", "ce-type", "ce-specversion", "ce-time", "content-type"),
                wire.attributes().keySet());
        assertTrue(attributeBytes(wire) <= 200, "attribute bytes " + attributeBytes(wire));
    }

    @Test
    void the_minimal_form_packs_the_id_and_the_publish_time_into_one_attribute() {
        AwsMessages.Wire wire = AwsMessages.toWire(hundredBytes("application/octet-stream", null), EnvelopeForm.MINIMAL);
        System.out.println("aws minimal attribute bytes, 100 B octet-stream message: " + attributeBytes(wire));

        assertEquals(Set.of("courier"), wire.attributes().keySet());
        assertTrue(attributeBytes(wire) <= 70, "attribute bytes " + attributeBytes(wire));
    }

    @Test
    void both_forms_read_back_as_the_envelope_that_was_sent() {
        Envelope keyless = new Envelope("id-1", TOPIC, null, Map.of("tenant", "acme", "ce-id", "user's"),
                "{}".getBytes(StandardCharsets.UTF_8), "application/json", Instant.ofEpochMilli(1_764_000_000_123L),
                "order.placed");
        Envelope keyed = hundredBytes("application/octet-stream", null);
        keyed = new Envelope(keyed.id(), TOPIC, "k", Map.of(), keyed.payload(), keyed.contentType(), keyed.timestamp());
        for (Envelope sent : new Envelope[] {keyless, keyed}) {
            for (EnvelopeForm form : EnvelopeForm.values()) {
                AwsMessages.Wire wire = AwsMessages.toWire(sent, form);

                assertEquals(sent, AwsMessages.toEnvelope(TOPIC, wire.body(), wire.attributes(), "sqs-message-id",
                        "1764000009999", wire.groupId()), form + " " + sent);
            }
        }
    }
}
