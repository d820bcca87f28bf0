package dev.courier.transport.rabbitmq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import com.rabbitmq.client.AMQP;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

/** The id of a message published without one, without a broker. */
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
}
