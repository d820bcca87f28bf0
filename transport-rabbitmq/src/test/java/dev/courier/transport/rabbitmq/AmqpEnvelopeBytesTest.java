package dev.courier.transport.rabbitmq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.rabbitmq.client.AMQP;
import dev.courier.spi.Destination;
import dev.courier.spi.Envelope;
import dev.courier.spi.EnvelopeForm;
import java.io.IOException;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * What each envelope form costs on the wire, and that nothing travels twice: the header set of a
 * 100 B message is exact, and the size of its content header frame's properties is printed and
 * bounded. {@code ./mvnw -B -o -q -pl transport-rabbitmq -am verify -Dtest=AmqpEnvelopeBytesTest
 * -Dsurefire.failIfNoSpecifiedTests=false} prints the numbers in docs/DESIGN.md.
 */
class AmqpEnvelopeBytesTest {

    private static final Destination QUEUE = Destination.queue("orders");

    private static Envelope hundredBytes(String contentType, String type) {
        return new Envelope(UUID.randomUUID().toString(), QUEUE, null, Map.of(), new byte[100], contentType,
                Instant.ofEpochMilli(1_764_000_000_123L), type);
    }

    /** The bytes of the properties (flags, fields, headers table) in the content header frame. */
    static int propertyBytes(AMQP.BasicProperties properties) throws IOException {
        // the frame of properties without any field: class id, weight, body size, flags, framing
        return properties.toFrame(1, 100).size() - new AMQP.BasicProperties().toFrame(1, 100).size();
    }

    @Test
    void the_cloudevents_form_carries_the_id_once_and_the_time_and_content_type_as_properties() throws IOException {
        AMQP.BasicProperties properties = AmqpMessages.properties(hundredBytes("application/json", null),
                EnvelopeForm.CLOUDEVENTS);
        int bytes = propertyBytes(properties);
        System.out.println("amqp cloudevents property bytes, 100 B json message on queue 'orders': " + bytes);

        assertEquals(Set.of("cloudEvents_id", "cloudEvents_source", "cloudEvents_type", "cloudEvents_specversion",
                "courier-ms"), properties.getHeaders().keySet());
        assertNull(properties.getMessageId(), "the id travels once, as the binding's cloudEvents_id");
        assertEquals("application/json", properties.getContentType());
        assertEquals(1_764_000_000_000L, properties.getTimestamp().getTime());
        assertTrue(bytes <= 210, "property bytes " + bytes);
    }

    @Test
    void the_minimal_form_carries_the_id_as_message_id_and_nothing_for_an_untyped_octet_stream() throws IOException {
        AMQP.BasicProperties properties = AmqpMessages.properties(hundredBytes("application/octet-stream", null),
                EnvelopeForm.MINIMAL);
        int bytes = propertyBytes(properties);
        System.out.println("amqp minimal property bytes, 100 B octet-stream message: " + bytes);

        assertEquals(Set.of("courier-ms"), properties.getHeaders().keySet());
        assertNull(properties.getContentType());
        assertTrue(bytes <= 80, "property bytes " + bytes);
    }

    @Test
    void the_minimal_form_adds_the_type_and_the_content_type_only_when_they_are_not_the_defaults() throws IOException {
        AMQP.BasicProperties properties = AmqpMessages.properties(hundredBytes("application/json", "order.placed"),
                EnvelopeForm.MINIMAL);
        System.out.println("amqp minimal property bytes, 100 B json message with a type: " + propertyBytes(properties));

        assertEquals(Set.of("courier-ms", "courier-type"), properties.getHeaders().keySet());
        assertEquals("application/json", properties.getContentType());
    }

    @Test
    void both_forms_read_back_as_the_envelope_that_was_sent_to_the_millisecond() {
        Envelope sent = new Envelope("id-1", QUEUE, "k", Map.of("tenant", "acme", "courier-ms", "user's"),
                new byte[] {1}, "application/json", Instant.ofEpochMilli(1_764_000_000_123L), "order.placed");
        for (EnvelopeForm form : EnvelopeForm.values()) {
            AMQP.BasicProperties properties = AmqpMessages.properties(sent, form);

            assertEquals(sent, AmqpMessages.envelope(QUEUE, "", "orders", properties, new byte[] {1}, false), form.name());
        }
    }

    @Test
    void a_minimal_untyped_octet_stream_message_reads_back_unchanged() {
        Envelope sent = hundredBytes("application/octet-stream", null);
        AMQP.BasicProperties properties = AmqpMessages.properties(sent, EnvelopeForm.MINIMAL);

        assertEquals(sent, AmqpMessages.envelope(QUEUE, "", "orders", properties, sent.payload(), false));
    }
}
