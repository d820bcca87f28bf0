package dev.courier.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.courier.api.DecodingException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Encodes payloads for the wire and decodes them for handlers: {@code byte[]} and {@code String}
 * pass through, anything else is JSON (records and java.time included). Thread safe.
 */
public final class Payloads {

    public static final String BINARY = "application/octet-stream";
    public static final String TEXT = "text/plain; charset=utf-8";
    public static final String JSON = "application/json";

    private final ObjectMapper json;

    public Payloads() {
        this(new ObjectMapper()
                .registerModule(new JavaTimeModule())
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES));
    }

    Payloads(ObjectMapper json) {
        this.json = json;
    }

    /** An encoded payload and its content type. */
    public record Encoded(byte[] bytes, String contentType) {
    }

    /** Encodes {@code payload}; throws the codec's exception when it cannot. */
    public Encoded encode(Object payload) throws JsonProcessingException {
        if (payload instanceof byte[] bytes) {
            return new Encoded(bytes, BINARY);
        }
        if (payload instanceof String text) {
            return new Encoded(text.getBytes(StandardCharsets.UTF_8), TEXT);
        }
        return new Encoded(json.writeValueAsBytes(payload), JSON);
    }

    /** Decodes {@code bytes} into {@code type}. */
    @SuppressWarnings("unchecked")
    public <T> T decode(byte[] bytes, String contentType, Class<T> type, String messageId) {
        if (type == byte[].class) {
            return (T) bytes;
        }
        try {
            if (type == String.class) {
                return (T) StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(bytes)).toString();
            }
            if (bytes.length == 0) {
                throw new IOException("the payload is empty");
            }
            T value = json.readValue(bytes, type);
            if (value == null) {
                throw new IOException("the payload is JSON null");
            }
            return value;
        } catch (CharacterCodingException e) {
            throw new DecodingException("message " + messageId + " (" + contentType + ", " + bytes.length
                    + " bytes) is not valid UTF-8 text", e);
        } catch (IOException e) {
            throw new DecodingException("message " + messageId + " (" + contentType + ", " + bytes.length
                    + " bytes) cannot be decoded as " + type.getName() + ": " + firstLine(e.getMessage()), e);
        }
    }

    private static String firstLine(String text) {
        if (text == null) {
            return "no detail";
        }
        int newline = text.indexOf('\n');
        return newline < 0 ? text : text.substring(0, newline);
    }
}
