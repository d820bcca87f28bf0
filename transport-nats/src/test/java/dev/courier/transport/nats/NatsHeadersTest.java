package dev.courier.transport.nats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.spi.Destination;
import dev.courier.spi.Envelope;
import io.nats.client.impl.Headers;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NatsHeadersTest {

    @Test
    void asciiValuesTravelAsTheyAre() {
        assertEquals("plain value", NatsHeaders.encodeValue("plain value"));
        assertEquals("tenant", NatsHeaders.encodeName("tenant"));
        assertEquals("courier-error-class", NatsHeaders.encodeName("courier-error-class"));
    }

    @Test
    void valuesNatsCannotCarryAreEncodedAndDecoded() {
        for (String value : List.of("", " lead", "trail ", "héllo ✓ 日本", "line\nbreak", "tab\there",
                NatsHeaders.ENCODED_PREFIX + "x" + NatsHeaders.ENCODED_SUFFIX, "=?UTF-8?B?")) {
            String encoded = NatsHeaders.encodeValue(value);
            assertTrue(encoded.chars().allMatch(c -> c >= 0x20 && c < 0x7f), encoded);
            assertEquals(value, NatsHeaders.decodeValue(encoded), encoded);
        }
    }

    @Test
    void reservedOrUnusualNamesAreEncoded() {
        for (String name : List.of("Courier-Id", "Nats-Msg-Id", "nats-expected-stream", "ce-id", "CE-source", "ключ",
                "with space", "a:b")) {
            String encoded = NatsHeaders.encodeName(name);
            assertTrue(encoded.startsWith(NatsHeaders.ENCODED_NAME_PREFIX), encoded);
            new Headers().put(encoded, "v"); // accepted by jnats
        }
    }

    @Test
    void theEnvelopeFieldsBecomeHeaders() {
        Envelope envelope = new Envelope("id-1", Destination.topic("t"), "kéy", Map.of("a", "ü", "Nats-Msg-Id", "x"),
                new byte[0], "application/json", Instant.ofEpochMilli(1_700_000_000_123L));
        Headers headers = NatsHeaders.toHeaders(envelope);
        assertEquals("id-1", headers.getFirst("ce-id"));
        assertEquals("2023-11-14T22:13:20.123Z", headers.getFirst("ce-time"));
        assertEquals("application/json", headers.getFirst("ce-datacontenttype"));
        assertNull(headers.getFirst(NatsHeaders.ID), "the id travels once");
        assertNull(headers.getFirst(NatsHeaders.TIMESTAMP), "the time travels once");
        assertNull(headers.getFirst(NatsHeaders.CONTENT_TYPE), "the content type travels once");
        assertEquals("kéy", NatsHeaders.decodeValue(headers.getFirst(NatsHeaders.KEY)));
        assertNull(headers.getFirst("Nats-Msg-Id"), "a user header must not pose as the server's");
        assertFalse(headers.containsKey("a") && headers.getFirst("a").equals("ü"));
    }

    @Test
    void cloudEventsAttributesTravelInBinaryMode() {
        Envelope envelope = new Envelope("id-2", Destination.topic("orders.created"), null, Map.of(), new byte[0],
                "application/json", Instant.parse("2026-11-24T12:00:00.123Z"));
        Headers headers = NatsHeaders.toHeaders(envelope);
        assertEquals("id-2", headers.getFirst("ce-id"));
        assertEquals("1.0", headers.getFirst("ce-specversion"));
        assertEquals("/courier/orders.created", headers.getFirst("ce-source"));
        assertEquals("orders.created", headers.getFirst("ce-type"));
        assertEquals("2026-11-24T12:00:00.123Z", headers.getFirst("ce-time"));
        assertEquals("application/json", headers.getFirst("ce-datacontenttype"));
    }
}
