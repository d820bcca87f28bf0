package dev.courier.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.courier.spi.Destination;
import dev.courier.spi.Envelope;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class StructuredCloudEventsTest {

    private static final Instant RECEIVED = Instant.parse("2026-01-01T00:00:00.000Z");

    private static Envelope arrived(String contentType, String body) {
        return new Envelope("transport-id", Destination.topic("orders"), "k", Map.of("tenant", "acme"),
                body.getBytes(StandardCharsets.UTF_8), contentType, RECEIVED);
    }

    @Test
    void a_structured_event_arrives_as_its_data_with_its_id_time_and_content_type() {
        Envelope event = StructuredCloudEvents.unwrap(arrived("application/cloudevents+json; charset=utf-8", """
                {"specversion":"1.0","id":"evt-1","source":"/shop","type":"order.placed","subject":"o-9",
                 "time":"2026-11-29T15:40:01.123Z","datacontenttype":"application/json","region":"eu",
                 "data":{"orderId":"o-9","total":12}}"""));

        assertEquals("evt-1", event.id());
        assertEquals(Instant.parse("2026-11-29T15:40:01.123Z"), event.timestamp());
        assertEquals("application/json", event.contentType());
        assertEquals("{\"orderId\":\"o-9\",\"total\":12}", new String(event.payload(), StandardCharsets.UTF_8));
        assertEquals("k", event.key());
    }

    @Test
    void the_events_other_attributes_and_the_messages_headers_are_visible_as_headers() {
        Envelope event = StructuredCloudEvents.unwrap(arrived("application/cloudevents+json", """
                {"specversion":"1.0","id":"evt-1","source":"/shop","type":"order.placed","region":"eu","data":1}"""));

        assertEquals(Map.of("tenant", "acme", "ce-specversion", "1.0", "ce-source", "/shop", "ce-type", "order.placed",
                "ce-region", "eu"), event.headers());
    }

    @Test
    void data_base64_is_decoded_and_text_data_of_a_text_type_is_the_text_itself() {
        Envelope binary = StructuredCloudEvents.unwrap(arrived("application/cloudevents+json", """
                {"specversion":"1.0","id":"b","datacontenttype":"application/octet-stream","data_base64":"AQID"}"""));
        Envelope text = StructuredCloudEvents.unwrap(arrived("application/cloudevents+json", """
                {"specversion":"1.0","id":"t","datacontenttype":"text/plain","data":"hello"}"""));

        assertArrayEquals(new byte[] {1, 2, 3}, binary.payload());
        assertEquals("hello", new String(text.payload(), StandardCharsets.UTF_8));
    }

    @Test
    void an_event_without_time_or_content_type_keeps_the_brokers_timestamp_and_is_json() {
        Envelope event = StructuredCloudEvents.unwrap(arrived("application/cloudevents+json", """
                {"specversion":"1.0","id":"e","data":{"a":1}}"""));

        assertEquals(RECEIVED, event.timestamp());
        assertEquals("application/json", event.contentType());
    }

    @Test
    void a_malformed_event_or_another_content_type_passes_unchanged() {
        for (Envelope unchanged : new Envelope[] {
                arrived("application/cloudevents+json", "{not json"),
                arrived("application/cloudevents+json", "{\"id\":\"no-specversion\"}"),
                arrived("application/cloudevents+json", "[1,2]"),
                arrived("application/cloudevents+json", "{\"specversion\":\"1.0\",\"id\":\"x\",\"data_base64\":\"!!\"}"),
                arrived("application/json", "{\"specversion\":\"1.0\",\"id\":\"x\"}")}) {
            assertSame(unchanged, StructuredCloudEvents.unwrap(unchanged));
        }
    }
}
