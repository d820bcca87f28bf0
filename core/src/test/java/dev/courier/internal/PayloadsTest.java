package dev.courier.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.api.DecodingException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class PayloadsTest {

    record Signup(String userId, Instant at) {
    }

    private final Payloads payloads = new Payloads();

    @Test
    void bytes_and_strings_pass_through_with_their_content_type() throws Exception {
        Payloads.Encoded bytes = payloads.encode(new byte[] {1, 2});
        assertArrayEquals(new byte[] {1, 2}, bytes.bytes());
        assertEquals(Payloads.BINARY, bytes.contentType());
        assertEquals(Payloads.TEXT, payloads.encode("hé").contentType());
    }

    @Test
    void records_with_java_time_are_json_with_iso_dates() throws Exception {
        Signup signup = new Signup("42", Instant.parse("2026-11-24T10:15:30Z"));
        Payloads.Encoded json = payloads.encode(signup);
        assertEquals(Payloads.JSON, json.contentType());
        assertEquals("{\"userId\":\"42\",\"at\":\"2026-11-24T10:15:30Z\"}", new String(json.bytes(), StandardCharsets.UTF_8));
        assertEquals(signup, payloads.decode(json.bytes(), json.contentType(), Signup.class, "id"));
    }

    @Test
    void unknown_json_fields_are_ignored_so_producers_can_add_fields() {
        byte[] json = "{\"userId\":\"1\",\"at\":null,\"newField\":3}".getBytes(StandardCharsets.UTF_8);
        assertEquals(new Signup("1", null), payloads.decode(json, Payloads.JSON, Signup.class, "id"));
    }

    @Test
    void malformed_json_fails_with_a_decoding_exception_naming_message_and_type() {
        DecodingException e = assertThrows(DecodingException.class,
                () -> payloads.decode("{oops".getBytes(StandardCharsets.UTF_8), Payloads.JSON, Signup.class, "m-1"));
        assertTrue(e.getMessage().contains("m-1"), e.getMessage());
        assertTrue(e.getMessage().contains(Signup.class.getName()), e.getMessage());
    }

    @Test
    void an_empty_or_null_json_payload_is_undecodable() {
        assertThrows(DecodingException.class, () -> payloads.decode(new byte[0], Payloads.JSON, Signup.class, "m"));
        assertThrows(DecodingException.class,
                () -> payloads.decode("null".getBytes(StandardCharsets.UTF_8), Payloads.JSON, Signup.class, "m"));
    }

    @Test
    void invalid_utf8_is_undecodable_as_text() {
        DecodingException e = assertThrows(DecodingException.class,
                () -> payloads.decode(new byte[] {(byte) 0xC3, (byte) 0x28}, Payloads.TEXT, String.class, "m"));
        assertTrue(e.getMessage().contains("not valid UTF-8"), e.getMessage());
    }
}
