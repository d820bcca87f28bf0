package dev.courier.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.api.BusOptions;
import dev.courier.api.Codec;
import dev.courier.api.DecodingException;
import dev.courier.api.JsonCodec;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which codec a payload class gets: per-type registrations by specificity, else the bus's default. */
class CodecChoiceTest {

    interface Event {
    }

    interface AuditEvent extends Event {
    }

    record Placed(String id) implements Event {
    }

    record LoggedIn(String user) implements AuditEvent {
    }

    record Other(String x) {
    }

    /** Writes its name, so a test can tell which codec encoded a payload. */
    record NamedCodec(String name) implements Codec {

        @Override
        public String contentType() {
            return "application/x-" + name;
        }

        @Override
        public byte[] encode(Object payload) {
            return name.getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public <T> T decode(byte[] bytes, String contentType, Class<T> type) {
            throw new UnsupportedOperationException(name + " cannot decode");
        }
    }

    private static final NamedCodec DEFAULT = new NamedCodec("default");
    private static final NamedCodec EVENTS = new NamedCodec("events");
    private static final NamedCodec AUDIT = new NamedCodec("audit");

    private static Payloads payloads(BusOptions options) {
        return new Payloads(options.codec(), options.codecs());
    }

    private static String encodedBy(Payloads payloads, Object payload) throws Exception {
        return new String(payloads.encode(payload).bytes(), StandardCharsets.UTF_8);
    }

    @Test
    void json_is_the_default_codec_of_a_bus() {
        assertSame(JsonCodec.defaults(), BusOptions.defaults().codec());
        assertEquals(Map.of(), BusOptions.defaults().codecs());
    }

    @Test
    void the_bus_default_codec_encodes_every_type_without_its_own() throws Exception {
        Payloads payloads = payloads(BusOptions.defaults().withCodec(DEFAULT));
        assertEquals("default", encodedBy(payloads, new Other("x")));
        assertEquals("application/x-default", payloads.encode(new Other("x")).contentType());
    }

    @Test
    void a_type_codec_encodes_that_type_and_its_subtypes_and_others_keep_the_default() throws Exception {
        Payloads payloads = payloads(BusOptions.defaults().withCodec(Event.class, EVENTS));
        assertEquals("events", encodedBy(payloads, new Placed("1")));
        assertEquals("events", encodedBy(payloads, new LoggedIn("ann")));
        assertEquals(JsonCodec.CONTENT_TYPE, payloads.encode(new Other("x")).contentType());
    }

    @Test
    void the_most_specific_registered_type_wins_whatever_the_order() throws Exception {
        for (BusOptions options : new BusOptions[] {
                BusOptions.defaults().withCodec(Event.class, EVENTS).withCodec(AuditEvent.class, AUDIT),
                BusOptions.defaults().withCodec(AuditEvent.class, AUDIT).withCodec(Event.class, EVENTS)}) {
            Payloads payloads = payloads(options);
            assertEquals("audit", encodedBy(payloads, new LoggedIn("ann")));
            assertEquals("events", encodedBy(payloads, new Placed("1")));
        }
    }

    @Test
    void registering_a_type_again_replaces_its_codec() throws Exception {
        Payloads payloads = payloads(BusOptions.defaults().withCodec(Event.class, EVENTS).withCodec(Event.class, AUDIT));
        assertEquals("audit", encodedBy(payloads, new Placed("1")));
    }

    @Test
    void bytes_and_strings_never_go_through_a_codec() throws Exception {
        Payloads payloads = payloads(BusOptions.defaults().withCodec(DEFAULT).withCodec(Object.class, EVENTS));
        assertArrayEquals(new byte[] {7}, payloads.encode(new byte[] {7}).bytes());
        assertEquals(Payloads.BINARY, payloads.encode(new byte[] {7}).contentType());
        assertEquals("hé", encodedBy(payloads, "hé"));
        assertEquals(Payloads.TEXT, payloads.encode("hé").contentType());
        assertEquals("hé", payloads.decode("hé".getBytes(StandardCharsets.UTF_8), "x", String.class, "m"));
    }

    @Test
    void a_codec_for_bytes_or_strings_is_refused() {
        assertThrows(IllegalArgumentException.class, () -> BusOptions.defaults().withCodec(byte[].class, DEFAULT));
        assertThrows(IllegalArgumentException.class, () -> BusOptions.defaults().withCodec(String.class, DEFAULT));
    }

    @Test
    void decoding_uses_the_codec_of_the_handler_s_class() {
        Payloads payloads = payloads(BusOptions.defaults().withCodec(Event.class, EVENTS));
        DecodingException e = assertThrows(DecodingException.class,
                () -> payloads.decode(new byte[] {1}, "application/x-events", Placed.class, "m-9"));
        assertTrue(e.getMessage().contains("m-9") && e.getMessage().contains("events cannot decode"), e.getMessage());
        assertEquals(new Other("x"), payloads.decode("{\"x\":\"x\"}".getBytes(StandardCharsets.UTF_8),
                JsonCodec.CONTENT_TYPE, Other.class, "m"));
    }

    @Test
    void a_codec_returning_null_is_a_decoding_failure() {
        Codec returnsNull = new Codec() {
            @Override
            public String contentType() {
                return "x/null";
            }

            @Override
            public byte[] encode(Object payload) {
                return new byte[0];
            }

            @Override
            public <T> T decode(byte[] bytes, String contentType, Class<T> type) {
                return null;
            }
        };
        Payloads payloads = new Payloads(returnsNull, Map.of());
        assertThrows(DecodingException.class, () -> payloads.decode(new byte[0], "x/null", Other.class, "m"));
    }

    @Test
    void lenient_subscriptions_get_the_codec_s_lenient_form() {
        Payloads payloads = new Payloads(JsonCodec.defaults(), Map.of(Event.class, EVENTS));
        assertEquals(false, ((JsonCodec) payloads.codecFor(Other.class, false)).strictDecoding());
        assertEquals(true, ((JsonCodec) payloads.codecFor(Other.class, true)).strictDecoding());
        assertSame(EVENTS, payloads.codecFor(Placed.class, false), "a codec without a lenient form is itself");
    }
}
