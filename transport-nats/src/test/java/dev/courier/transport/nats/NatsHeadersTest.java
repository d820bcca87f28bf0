package dev.courier.transport.nats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.api.DeadLetterHeaders;
import dev.courier.spi.Destination;
import dev.courier.spi.Envelope;
import io.nats.client.impl.Headers;
import io.nats.client.support.IncomingHeadersProcessor;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
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
        assertEquals("application/json", headers.getFirst("content-type"), "the binding's header for datacontenttype");
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
        assertEquals("application/json", headers.getFirst("content-type"), "the binding's header for datacontenttype");
    }

    @Test
    void cloudEventsValuesArePercentEncodedAsTheBindingSays() {
        Envelope envelope = new Envelope("évt 100% \"q\"", Destination.topic("t"), null, Map.of(), new byte[0],
                "application/json; charset=utf-8", Instant.parse("2026-11-24T12:00:00.123Z"));
        Headers headers = NatsHeaders.toHeaders(envelope);
        assertEquals("%C3%A9vt%20100%25%20%22q%22", headers.getFirst("ce-id"));
        assertEquals("application/json; charset=utf-8", headers.getFirst("content-type"));
        assertEquals("évt 100% \"q\"", NatsHeaders.decodeAttribute(headers.getFirst("ce-id")));
    }

    @Test
    void attributeDecodingKeepsMalformedEscapesAndReadsTheOldEncodedForm() {
        assertEquals("50%off", NatsHeaders.decodeAttribute("50%off"));
        assertEquals("100%", NatsHeaders.decodeAttribute("100%"));
        assertEquals("ü", NatsHeaders.decodeAttribute(NatsHeaders.encodeValue("ü")));
        assertEquals("plain", NatsHeaders.decodeAttribute("plain"));
    }

    @Test
    void aDeadLetterIsDeduplicatedPerMessageNotPerId() {
        Destination dlq = Destination.queue("t.g.dlq");
        Map<String, String> failedOnce = Map.of(DeadLetterHeaders.ERROR_CLASS, "E", DeadLetterHeaders.ERROR_MESSAGE, "m1",
                DeadLetterHeaders.ATTEMPTS, "1", DeadLetterHeaders.ORIGINAL_TOPIC, "t", "tenant", "a");
        Map<String, String> failedAgain = Map.of(DeadLetterHeaders.ERROR_CLASS, "E", DeadLetterHeaders.ERROR_MESSAGE, "m2",
                DeadLetterHeaders.ATTEMPTS, "3", DeadLetterHeaders.ORIGINAL_TOPIC, "t", "tenant", "a");
        Instant now = Instant.ofEpochMilli(1_700_000_000_000L);
        Envelope one = new Envelope("same", dlq, null, failedOnce, new byte[] {1}, "x", now);
        Envelope oneAgain = new Envelope("same", dlq, null, failedAgain, new byte[] {1}, "x", now);
        Envelope other = new Envelope("same", dlq, null, failedOnce, new byte[] {2}, "x", now);
        Envelope published = new Envelope("same", Destination.topic("t"), null, Map.of(), new byte[] {1}, "x", now);

        assertNotEquals(NatsHeaders.messageId(one), NatsHeaders.messageId(other));
        assertEquals(NatsHeaders.messageId(one), NatsHeaders.messageId(oneAgain), "the same message dead-lettered again");
        assertEquals("same", NatsHeaders.messageId(published), "a retried publish is still de-duplicated by id");
    }

    @Test
    void timesAreWrittenAsInstantWritesThem() {
        java.util.Random random = new java.util.Random(21);
        List<Instant> instants = new java.util.ArrayList<>(List.of(Instant.EPOCH, Instant.ofEpochMilli(1),
                Instant.parse("2024-02-29T23:59:59.999Z"), Instant.parse("9999-12-31T23:59:59.999Z"),
                Instant.parse("1969-12-31T23:59:59.999Z"), Instant.parse("+10000-01-01T00:00:00Z"),
                Instant.ofEpochSecond(1_700_000_000L, 1), Instant.ofEpochSecond(1_700_000_000L, 123_456_000)));
        for (int i = 0; i < 10_000; i++) {
            instants.add(Instant.ofEpochMilli(random.nextLong(253_402_300_800_000L)));
        }
        for (Instant instant : instants) {
            assertEquals(instant.toString(), NatsHeaders.rfc3339(instant));
        }
    }

    @Test
    void theConstantHeadersOfOneMessageDoNotLeakIntoTheNext() {
        Destination topic = Destination.topic("orders");
        Instant now = Instant.ofEpochMilli(1_700_000_000_000L);
        Headers first = NatsHeaders.toHeaders(new Envelope("a", topic, null, Map.of("x", "1"), new byte[0], "text/plain", now));
        first.put("ce-type", "changed");
        first.put("Nats-Msg-Id", "a");
        Headers second = NatsHeaders.toHeaders(new Envelope("b", topic, null, Map.of(), new byte[0], "text/plain", now));
        assertEquals("orders", second.getFirst("ce-type"));
        assertEquals("b", second.getFirst("ce-id"));
        assertEquals("text/plain", second.getFirst("content-type"));
        assertNull(second.getFirst("x"));
        assertNull(second.getFirst("Nats-Msg-Id"));
        assertEquals(6, second.size());
    }

    @Test
    void headerBlocksJnatsRefusesAreRepairedIntoCouriersEncodedForms() {
        byte[] block = "NATS/1.0\r\nx-city: Zürich\r\nnäme: v\r\nbare\r\nok: fine\r\n\r\n".getBytes(StandardCharsets.UTF_8);
        assertFalse(NatsHeaderRepair.Parser.readable(block));
        Headers repaired = new IncomingHeadersProcessor(NatsHeaderRepair.Parser.repair(block)).getHeaders();
        assertEquals("Zürich", NatsHeaders.decodeValue(repaired.getFirst("x-city")));
        assertEquals("fine", repaired.getFirst("ok"));
        assertEquals("", repaired.getFirst("bare"));
        String encodedName = NatsHeaders.ENCODED_NAME_PREFIX
                + Base64.getUrlEncoder().withoutPadding().encodeToString("näme".getBytes(StandardCharsets.UTF_8));
        assertEquals("v", repaired.getFirst(encodedName));
    }

    @Test
    void theProtocolStreamPassesUnchangedButForRepairedHeaderBlocks() {
        String good = "NATS/1.0\r\na: b\r\n\r\n";
        String bad = "NATS/1.0\r\nx-city: Zürich\r\n\r\n";
        int badLength = bad.getBytes(StandardCharsets.UTF_8).length;
        String longBody = "y".repeat(150); // longer than the smaller buffers below
        String stream = "INFO {\"max_payload\":1048576}\r\nPING\r\n"
                + "MSG s 1 5\r\nhello\r\n"
                + "MSG s 1 150\r\n" + longBody + "\r\nHMSG s 1 0 3\r\nabc\r\n"
                + "HMSG s 1 r " + good.length() + " " + (good.length() + 2) + "\r\n" + good + "hi\r\n"
                + "HMSG s 1 " + badLength + " " + (badLength + 3) + "\r\n" + bad + "x\r\n\r\n"
                + "+OK\r\n";
        byte[] input = stream.getBytes(StandardCharsets.UTF_8);
        String repairedBlock = "NATS/1.0\r\nx-city: " + NatsHeaders.encodeValue("Zürich") + "\r\n\r\n";
        String expected = "INFO {\"max_payload\":1048576}\r\nPING\r\n"
                + "MSG s 1 5\r\nhello\r\n"
                + "MSG s 1 150\r\n" + longBody + "\r\nHMSG s 1 0 3\r\nabc\r\n"
                + "HMSG s 1 r " + good.length() + " " + (good.length() + 2) + "\r\n" + good + "hi\r\n"
                + "HMSG s 1 " + repairedBlock.length() + " " + (repairedBlock.length() + 3) + "\r\n" + repairedBlock
                + "x\r\n\r\n+OK\r\n";
        // every split point of the server's reads, and callers' buffers from tiny to jnats-sized
        for (int chunk : new int[] {1, 2, 3, 5, 7, 13, 64, input.length}) {
            for (int buffer : new int[] {7, 16, 64, 4096}) {
                assertEquals(expected, passThroughParser(input, chunk, buffer), "reads of " + chunk + " into " + buffer);
            }
        }
    }

    /**
     * What a {@link NatsHeaderRepair.Parser} hands a reader with a {@code buffer}-byte array when
     * the server's bytes arrive {@code chunk} at a time. Asking for more after the last byte fails
     * unless all of it was handed out: a complete message must never wait for the next read.
     */
    private static String passThroughParser(byte[] input, int chunk, int buffer) {
        NatsHeaderRepair.Parser parser = new NatsHeaderRepair.Parser();
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        int[] position = {0};
        NatsHeaderRepair.Source source = (dst, off, len) -> {
            if (position[0] == input.length) {
                return -1;
            }
            int n = Math.min(Math.min(chunk, len), input.length - position[0]);
            System.arraycopy(input, position[0], dst, off, n);
            position[0] += n;
            return n;
        };
        byte[] dst = new byte[buffer];
        try {
            int n;
            while ((n = parser.read(dst, 0, dst.length, source)) > 0) {
                output.write(dst, 0, n);
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return output.toString(StandardCharsets.UTF_8);
    }
}
