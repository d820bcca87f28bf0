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

    /** A plain class with setters, as some applications still use. */
    public static final class Invoice {
        private String number;
        private long cents;

        public String getNumber() {
            return number;
        }

        public void setNumber(String number) {
            this.number = number;
        }

        public long getCents() {
            return cents;
        }

        public void setCents(long cents) {
            this.cents = cents;
        }
    }

    private final Payloads payloads = new Payloads();

    private static byte[] json(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

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
        byte[] json = json("{\"userId\":\"1\",\"at\":null,\"newField\":3}");
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

    @Test
    void json_lacking_a_record_component_is_undecodable_naming_it() {
        DecodingException e = assertThrows(DecodingException.class,
                () -> payloads.decode(json("{\"foo\":1}"), Payloads.JSON, Signup.class, "m-2"));
        assertTrue(e.getMessage().contains("'userId'"), e.getMessage());
        assertTrue(e.getMessage().contains("withLenientDecoding"), e.getMessage());
        assertThrows(DecodingException.class, () -> payloads.decode(json("{\"userId\":\"1\"}"), Payloads.JSON, Signup.class, "m"));
    }

    @Test
    void an_explicit_null_counts_as_present() {
        assertEquals(new Signup("1", null), payloads.decode(json("{\"userId\":\"1\",\"at\":null}"), Payloads.JSON, Signup.class, "m"));
    }

    @Test
    void a_json_object_setting_none_of_a_class_s_properties_is_undecodable() {
        DecodingException e = assertThrows(DecodingException.class,
                () -> payloads.decode(json("{\"foo\":1}"), Payloads.JSON, Invoice.class, "m-3"));
        assertTrue(e.getMessage().contains("[cents, number]"), e.getMessage());
        Invoice partial = payloads.decode(json("{\"number\":\"I-1\",\"extra\":true}"), Payloads.JSON, Invoice.class, "m");
        assertEquals("I-1", partial.getNumber());
    }

    @Test
    void lenient_decoding_accepts_json_of_the_wrong_shape() {
        assertEquals(new Signup(null, null), payloads.decode(json("{\"foo\":1}"), Payloads.JSON, Signup.class, "m", false));
        assertEquals(null, payloads.decode(json("{\"foo\":1}"), Payloads.JSON, Invoice.class, "m", false).getNumber());
    }

    @Test
    void maps_lists_and_jdk_types_are_not_shape_checked() {
        assertEquals(java.util.Map.of("foo", 1), payloads.decode(json("{\"foo\":1}"), Payloads.JSON, java.util.Map.class, "m"));
        assertEquals(java.util.List.of(), payloads.decode(json("[]"), Payloads.JSON, java.util.List.class, "m"));
        assertEquals(Instant.parse("2026-11-24T10:15:30Z"),
                payloads.decode(json("\"2026-11-24T10:15:30Z\""), Payloads.JSON, Instant.class, "m"));
    }
}
