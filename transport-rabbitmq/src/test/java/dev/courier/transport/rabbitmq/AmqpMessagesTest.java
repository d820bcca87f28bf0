package dev.courier.transport.rabbitmq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.impl.LongStringHelper;
import dev.courier.spi.Destination;
import dev.courier.spi.Envelope;
import dev.courier.spi.EnvelopeForm;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

/** The mapping of envelopes to AMQP properties and back, and the id of a message published without one, without a broker. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class AmqpMessagesTest {

    private static final byte[] BODY = "{\"n\":1}".getBytes(StandardCharsets.UTF_8);

    private static AMQP.BasicProperties withHeaders(Map<String, Object> headers) {
        return new AMQP.BasicProperties.Builder().contentType("application/json").headers(headers).build();
    }

    @Test
    void a_derived_id_is_a_version_8_uuid() {
        UUID id = UUID.fromString(AmqpMessages.derivedId("orders", "orders", withHeaders(Map.of()), BODY));
        assertEquals(8, id.version());
        assertEquals(2, id.variant());
    }

    @Test
    void a_derived_id_ignores_what_the_broker_adds_on_redelivery_and_dead_lettering() {
        String first = AmqpMessages.derivedId("", "jobs", withHeaders(Map.of("region", "eu")), BODY);
        String redelivered = AmqpMessages.derivedId("", "jobs", withHeaders(Map.of("region", "eu",
                "x-delivery-count", 3L, "x-death", List.of(Map.of("count", 1L)), "x-first-death-queue", "jobs")), BODY);
        assertEquals(first, redelivered);
    }

    @Test
    void a_derived_id_differs_when_the_body_headers_properties_or_routing_differ() {
        String id = AmqpMessages.derivedId("", "jobs", withHeaders(Map.of("region", "eu")), BODY);
        assertNotEquals(id, AmqpMessages.derivedId("", "jobs", withHeaders(Map.of("region", "eu")), new byte[] {1}));
        assertNotEquals(id, AmqpMessages.derivedId("", "jobs", withHeaders(Map.of("region", "us")), BODY));
        assertNotEquals(id, AmqpMessages.derivedId("", "jobs", new AMQP.BasicProperties.Builder()
                .headers(Map.of("region", "eu")).build(), BODY));
        assertNotEquals(id, AmqpMessages.derivedId("", "other", withHeaders(Map.of("region", "eu")), BODY));
    }

    @Test
    void headers_the_broker_would_act_on_travel_escaped_and_arrive_under_their_own_names() {
        dev.courier.spi.Envelope passedOn = new dev.courier.spi.Envelope("id-1", dev.courier.spi.Destination.queue("jobs.dlq"),
                null, Map.of("CC", "other-queue", "x-death", "[]", "courier-key", "not the key", "region", "eu"), BODY,
                "application/json", java.time.Instant.ofEpochMilli(1_700_000_000_123L));

        AMQP.BasicProperties properties = AmqpMessages.properties(passedOn);
        dev.courier.spi.Envelope back = AmqpMessages.envelope(passedOn.destination(), "", "jobs.dlq", properties, BODY, false);

        assertEquals(false, properties.getHeaders().containsKey("CC"), "RabbitMQ would route a CC header to other queues");
        assertEquals(passedOn.headers(), back.headers());
        assertEquals(null, back.key());
    }

    /** The properties as the client hands them to a consumer: every text header a long string. */
    private static AMQP.BasicProperties received(AMQP.BasicProperties sent) {
        Map<String, Object> table = new HashMap<>();
        sent.getHeaders().forEach((name, value) -> table.put(name, value instanceof String text ? LongStringHelper.asLongString(text) : value));
        return sent.builder().headers(table).build();
    }

    @Test
    void every_envelope_reads_back_as_sent_from_the_long_strings_the_client_hands_over() {
        Instant at = Instant.ofEpochMilli(1_700_000_000_123L);
        for (EnvelopeForm form : EnvelopeForm.values()) {
            for (Envelope sent : List.of(
                    new Envelope("id-1", Destination.topic("orders"), null, Map.of(), BODY, "application/json", at),
                    new Envelope("id-2", Destination.topic("orders"), null, Map.of(), BODY, "application/json", at, "order.placed"),
                    new Envelope("id-3", Destination.topic("grüße"), "k", Map.of("region", "eu", "cloudEvents_note", "user's"),
                            BODY, "application/octet-stream", at, "größe"),
                    new Envelope("id-4", Destination.queue("jobs"), null, Map.of(), BODY, "text/plain", at, "jobs.run"))) {
                AMQP.BasicProperties properties = received(AmqpMessages.properties(sent, form));

                assertEquals(sent, AmqpMessages.envelope(sent.destination(), "", "orders", properties, BODY, false), form + " " + sent.id());
                // read from elsewhere than it was sent to (a queue bound to the topic, a dead-letter queue)
                // (without a type, the CloudEvents form carries the destination's name, a type read elsewhere)
                Destination queue = Destination.queue("orders.audit");
                String typeThere = sent.type() != null || form == EnvelopeForm.MINIMAL ? sent.type() : sent.destination().name();
                assertEquals(sent.withDestination(queue).withType(typeThere),
                        AmqpMessages.envelope(queue, "", "orders", properties, BODY, false), form + " " + sent.id() + " from " + queue);
            }
        }
    }

    @Test
    void an_attribute_courier_does_not_write_stays_a_header_beside_courier_s_own() {
        Map<String, Object> table = new HashMap<>();
        table.put("cloudEvents_id", LongStringHelper.asLongString("evt-1"));
        table.put("cloudEvents_source", LongStringHelper.asLongString("/courier/orders"));
        table.put("cloudEvents_type", LongStringHelper.asLongString("orders"));
        table.put("cloudEvents_specversion", LongStringHelper.asLongString("1.0"));
        table.put("cloudEvents_subject", LongStringHelper.asLongString("order-7"));

        Envelope read = AmqpMessages.envelope(Destination.topic("orders"), "", "orders", withHeaders(table), BODY, false);

        assertEquals("evt-1", read.id());
        assertNull(read.type()); // the destination's own name is no type
        assertEquals(Map.of("cloudEvents_subject", "order-7"), read.headers());
    }
}
