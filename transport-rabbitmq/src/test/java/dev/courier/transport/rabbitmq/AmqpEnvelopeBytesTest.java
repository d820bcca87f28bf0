package dev.courier.transport.rabbitmq;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.impl.AMQImpl;
import com.rabbitmq.client.impl.Frame;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import dev.courier.spi.Destination;
import dev.courier.spi.Envelope;
import dev.courier.spi.EnvelopeForm;
import java.io.IOException;
import java.time.Instant;
import java.util.HashMap;
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

    @Test
    void the_compact_encoding_of_a_usual_message_reads_back_as_the_clients_own() throws IOException {
        for (EnvelopeForm form : EnvelopeForm.values()) {
            for (String type : new String[] {null, "order.placed", "Bestellung-ü-中"}) {
                for (String contentType : new String[] {"application/octet-stream", "text/plain; charset=ü"}) {
                    for (String id : new String[] {UUID.randomUUID().toString(), "id-é-" + "x".repeat(300)}) {
                        Envelope envelope = new Envelope(id, QUEUE, null, Map.of(), new byte[100], contentType,
                                Instant.ofEpochMilli(-1_764_000_000_123L), type);
                        AMQP.BasicProperties compact = AmqpMessages.properties(envelope, form);
                        AMQP.BasicProperties standard = new AMQP.BasicProperties.Builder()
                                .contentType(compact.getContentType()).messageId(compact.getMessageId())
                                .deliveryMode(compact.getDeliveryMode()).timestamp(compact.getTimestamp())
                                .headers(compact.getHeaders()).build();
                        String what = form + " " + type + " " + contentType + " " + id.length();
                        if (form == EnvelopeForm.MINIMAL && id.length() > 255) {
                            continue; // the id goes as a courier-id header: not the usual message
                        }
                        assertInstanceOf(CompactProperties.class, compact, what);
                        Frame ours = compact.toFrame(3, 100);
                        Frame theirs = standard.toFrame(3, 100);
                        assertEquals(theirs.size(), ours.size(), what);
                        AMQP.BasicProperties read = decode(ours);
                        AMQP.BasicProperties expected = decode(theirs);
                        assertEquals(expected.getContentType(), read.getContentType(), what);
                        assertEquals(expected.getMessageId(), read.getMessageId(), what);
                        assertEquals(expected.getDeliveryMode(), read.getDeliveryMode(), what);
                        assertEquals(expected.getTimestamp(), read.getTimestamp(), what);
                        assertEquals(texts(expected.getHeaders()), texts(read.getHeaders()), what);
                        assertEquals(expected.getBodySize(), read.getBodySize(), what);
                        assertArrayEquals(new byte[] {0, 0, 0, 0, 0, 0, 0, 100}, java.util.Arrays.copyOfRange(ours.getPayload(), 4, 12));
                        assertEquals(envelope, AmqpMessages.envelope(QUEUE, "", "orders", read, new byte[100], false), what);
                    }
                }
            }
        }
    }

    /** The properties in {@code frame}, written as the client writes a frame to the socket and read back as it reads one. */
    private static AMQP.BasicProperties decode(Frame frame) throws IOException {
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        frame.writeTo(new DataOutputStream(wire));
        Frame read = Frame.readFrom(new DataInputStream(new ByteArrayInputStream(wire.toByteArray())), () -> Integer.MAX_VALUE);
        assertEquals(frame.size(), wire.size(), "size() is what goes on the wire");
        return (AMQP.BasicProperties) AMQImpl.readContentHeaderFrom(new DataInputStream(new ByteArrayInputStream(read.getPayload())));
    }

    /** Header values as text, with the AMQP type letter for non-strings (a short int stays one). */
    private static Map<String, String> texts(Map<String, Object> headers) {
        Map<String, String> texts = new HashMap<>();
        headers.forEach((name, value) -> texts.put(name, value.getClass().getSimpleName().contains("LongString")
                ? value.toString() : value.getClass().getSimpleName() + ":" + value));
        return texts;
    }
}
