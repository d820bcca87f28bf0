package dev.courier.transport.nats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.spi.Destination;
import dev.courier.spi.Envelope;
import dev.courier.spi.EnvelopeForm;
import io.nats.client.impl.Headers;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * What each envelope form costs on the wire, and that nothing travels twice: the header set of a
 * 100 B message is exact, and its serialized header block (with the {@code Nats-Msg-Id} the
 * transport adds) is printed and bounded. {@code ./mvnw -B -o -q -pl transport-nats -am verify
 * -Dtest=NatsEnvelopeBytesTest -Dsurefire.failIfNoSpecifiedTests=false} prints the numbers in
 * docs/DESIGN.md.
 */
class NatsEnvelopeBytesTest {

    private static final Destination TOPIC = Destination.topic("orders");

    private static Envelope hundredBytes(String contentType, String type) {
        return new Envelope(UUID.randomUUID().toString(), TOPIC, null, Map.of(), new byte[100], contentType,
                Instant.ofEpochMilli(1_764_000_000_123L), type);
    }

    /** The headers as a JetStream publish sends them: the envelope's, and {@code Nats-Msg-Id}. */
    private static Headers published(Envelope envelope, EnvelopeForm form) {
        String messageId = NatsHeaders.messageId(envelope);
        Headers headers = NatsHeaders.toHeaders(envelope, form, messageId.equals(NatsHeaders.encodeValue(envelope.id())));
        headers.put(NatsHeaders.MSG_ID, messageId);
        return headers;
    }

    @Test
    void the_cloudevents_form_carries_the_binding_attributes_once() {
        Headers headers = published(hundredBytes("application/json", null), EnvelopeForm.CLOUDEVENTS);
        System.out.println("nats cloudevents header bytes, 100 B json message on 'orders': " + headers.serializedLength());

        assertEquals(Set.of("ce-id", "ce-source", "ce-type", "ce-specversion", "ce-time", "content-type", "Nats-Msg-Id"),
                headers.keySet());
        assertTrue(headers.serializedLength() <= 240, "header bytes " + headers.serializedLength());
    }

    @Test
    void the_minimal_form_carries_the_id_as_nats_msg_id_and_the_publish_time_for_an_untyped_octet_stream() {
        Headers headers = published(hundredBytes("application/octet-stream", null), EnvelopeForm.MINIMAL);
        System.out.println("nats minimal header bytes, 100 B octet-stream message: " + headers.serializedLength());

        assertEquals(Set.of("Courier-Timestamp", "Nats-Msg-Id"), headers.keySet());
        assertTrue(headers.serializedLength() <= 100, "header bytes " + headers.serializedLength());
    }

    @Test
    void the_minimal_form_adds_the_type_and_the_content_type_only_when_they_are_not_the_defaults() {
        Headers headers = published(hundredBytes("application/json", "order.placed"), EnvelopeForm.MINIMAL);
        System.out.println("nats minimal header bytes, 100 B json message with a type: " + headers.serializedLength());

        assertEquals(Set.of("Courier-Timestamp", "Courier-Type", "content-type", "Nats-Msg-Id"), headers.keySet());
    }

    @Test
    void a_minimal_message_without_a_nats_msg_id_carries_its_id_itself() {
        Headers headers = NatsHeaders.toHeaders(hundredBytes("application/octet-stream", null), EnvelopeForm.MINIMAL, false);

        assertEquals(Set.of("Courier-Id", "Courier-Timestamp"), headers.keySet());
    }

    @Test
    void a_header_named_content_type_passed_on_travels_escaped_and_leaves_the_content_type_alone() {
        Envelope envelope = new Envelope("id-1", TOPIC, null, Map.of("Content-Type", "text/x-foreign"), new byte[0],
                "application/json", Instant.ofEpochMilli(1_764_000_000_123L));

        Headers headers = NatsHeaders.toHeaders(envelope, EnvelopeForm.CLOUDEVENTS, false);

        assertEquals("application/json", headers.getFirst("content-type"));
        assertEquals("text/x-foreign", headers.getFirst(NatsHeaders.encodeName("Content-Type")));
    }
}
