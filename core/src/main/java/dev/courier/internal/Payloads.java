package dev.courier.internal;

import dev.courier.api.BusOptions;
import dev.courier.api.Codec;
import dev.courier.api.DecodingException;
import dev.courier.api.JsonCodec;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Encodes payloads for the wire and decodes them for handlers: {@code byte[]} and {@code String}
 * pass through, anything else goes through the codec of its class: the one registered for the
 * most specific supertype (the first registered among unrelated ones), else the bus's default
 * codec (JSON unless set). Decode failures are {@link DecodingException}s naming the message.
 * Thread safe.
 */
public final class Payloads {

    public static final String BINARY = "application/octet-stream";
    public static final String TEXT = "text/plain; charset=utf-8";
    public static final String JSON = JsonCodec.CONTENT_TYPE;

    /** The codecs, default and per type, whose choice {@link BusOptions#codecFor} makes. */
    private final BusOptions choice;
    private final ClassValue<Codec> chosen = new ClassValue<>() {
        @Override
        protected Codec computeValue(Class<?> type) {
            return choose(type);
        }
    };
    private final ClassValue<Codec> chosenLenient = new ClassValue<>() {
        @Override
        protected Codec computeValue(Class<?> type) {
            return Objects.requireNonNull(chosen.get(type).lenient(), "Codec.lenient() returned null");
        }
    };

    /** JSON for every type. */
    public Payloads() {
        this(JsonCodec.defaults(), Map.of());
    }

    /** {@code fallback} for every type but those (and their subtypes) in {@code byType}. */
    public Payloads(Codec fallback, Map<Class<?>, Codec> byType) {
        BusOptions defaults = BusOptions.defaults();
        this.choice = new BusOptions(defaults.publishTimeout(), Map.of(), List.of(), null,
                Objects.requireNonNull(fallback, "fallback"), byType, List.of());
    }

    /** An encoded payload and its content type. */
    public record Encoded(byte[] bytes, String contentType) {
    }

    /** Encodes {@code payload}; throws the codec's exception when it cannot. */
    public Encoded encode(Object payload) throws Exception {
        if (payload instanceof byte[] bytes) {
            return new Encoded(bytes, BINARY);
        }
        if (payload instanceof String text) {
            return new Encoded(text.getBytes(StandardCharsets.UTF_8), TEXT);
        }
        Codec codec = chosen.get(payload.getClass());
        byte[] bytes = codec.encode(payload);
        if (bytes == null) {
            throw new IllegalStateException(codec + " encoded the payload as null");
        }
        return new Encoded(bytes, codec.contentType());
    }

    /** The codec for payloads of class {@code type}, strict or lenient. */
    public Codec codecFor(Class<?> type, boolean strict) {
        return strict ? chosen.get(type) : chosenLenient.get(type);
    }

    private Codec choose(Class<?> type) {
        return choice.codecFor(type);
    }

    /** Decodes {@code bytes} into {@code type}, strictly. */
    public <T> T decode(byte[] bytes, String contentType, Class<T> type, String messageId) {
        return decode(bytes, contentType, type, messageId, true);
    }

    /** Decodes {@code bytes} into {@code type}; {@code strict} rejects payloads of the wrong shape (see {@link JsonCodec}). */
    @SuppressWarnings("unchecked")
    public <T> T decode(byte[] bytes, String contentType, Class<T> type, String messageId, boolean strict) {
        if (type == byte[].class) {
            return (T) bytes;
        }
        if (type == String.class) {
            try {
                return (T) StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(bytes)).toString();
            } catch (CharacterCodingException e) {
                throw new DecodingException("message " + messageId + " (" + contentType + ", " + bytes.length
                        + " bytes) is not valid UTF-8 text", e);
            }
        }
        T value;
        try {
            value = codecFor(type, strict).decode(bytes, contentType, type);
        } catch (Exception e) {
            throw new DecodingException("message " + messageId + " (" + contentType + ", " + bytes.length
                    + " bytes) cannot be decoded as " + type.getName() + ": " + firstLine(e.getMessage()), e);
        }
        if (value == null) {
            throw new DecodingException("message " + messageId + " (" + contentType + ", " + bytes.length
                    + " bytes) cannot be decoded as " + type.getName() + ": the codec returned null", null);
        }
        return value;
    }

    private static String firstLine(String text) {
        if (text == null) {
            return "no detail";
        }
        int newline = text.indexOf('\n');
        return newline < 0 ? text : text.substring(0, newline);
    }
}
