package dev.courier.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.courier.api.DecodingException;
import java.io.IOException;
import java.lang.reflect.Modifier;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Encodes payloads for the wire and decodes them for handlers: {@code byte[]} and {@code String}
 * pass through, anything else is JSON (records and java.time included). Thread safe.
 *
 * <p>Decoding ignores unknown JSON fields (producers may add fields) and is strict by default
 * about the shape: a JSON object that lacks a component of the target record (nested records
 * included), or, for a plain class (checked at the top level), that sets none of its properties,
 * is a {@link DecodingException}. Maps, collections, JDK types and classes with an any-setter are
 * not checked. An explicit
 * {@code null} counts as present. Lenient decoding accepts both, leaving the absent values
 * {@code null} (or 0/false).
 */
public final class Payloads {

    public static final String BINARY = "application/octet-stream";
    public static final String TEXT = "text/plain; charset=utf-8";
    public static final String JSON = "application/json";

    private final ObjectMapper json;
    private final ObjectMapper strict;
    /** Per class: the JSON property names a strict decode needs at least one of; empty to skip the check. */
    private final ClassValue<Set<String>> settable = new ClassValue<>() {
        @Override
        protected Set<String> computeValue(Class<?> type) {
            return settableProperties(type);
        }
    };

    public Payloads() {
        this.json = mapper();
        this.strict = mapper().enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES);
    }

    private static ObjectMapper mapper() {
        return new ObjectMapper()
                .registerModule(new JavaTimeModule())
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
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

    /** Decodes {@code bytes} into {@code type}, strictly. */
    public <T> T decode(byte[] bytes, String contentType, Class<T> type, String messageId) {
        return decode(bytes, contentType, type, messageId, true);
    }

    /** Decodes {@code bytes} into {@code type}; {@code strict} rejects JSON of the wrong shape (see above). */
    @SuppressWarnings("unchecked")
    public <T> T decode(byte[] bytes, String contentType, Class<T> type, String messageId, boolean strict) {
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
            T value = strict ? strictly(bytes, type) : json.readValue(bytes, type);
            if (value == null) {
                throw new IOException("the payload is JSON null");
            }
            return value;
        } catch (CharacterCodingException e) {
            throw new DecodingException("message " + messageId + " (" + contentType + ", " + bytes.length
                    + " bytes) is not valid UTF-8 text", e);
        } catch (IOException e) {
            throw new DecodingException("message " + messageId + " (" + contentType + ", " + bytes.length
                    + " bytes) cannot be decoded as " + type.getName() + ": " + reason(e), e);
        }
    }

    /** Records are checked by Jackson (every creator property present); other classes here. */
    private <T> T strictly(byte[] bytes, Class<T> type) throws IOException {
        Set<String> properties = settable.get(type);
        if (properties.isEmpty()) {
            return strict.readValue(bytes, type);
        }
        JsonNode tree = strict.readTree(bytes);
        if (tree != null && tree.isObject() && properties.stream().noneMatch(tree::has)) {
            throw new IOException("the JSON object sets none of its properties " + properties
                    + " (strict decoding; ConsumerOptions.withLenientDecoding() accepts it)");
        }
        return strict.treeToValue(tree, type);
    }

    /**
     * The JSON properties of a plain class (not a record, JDK type, collection, map, enum, array
     * or abstract type, nor one taking any property), or an empty set when there is nothing to check.
     */
    private Set<String> settableProperties(Class<?> type) {
        if (type.isRecord() || type.isPrimitive() || type.isArray() || type.isEnum() || type.isInterface()
                || Modifier.isAbstract(type.getModifiers()) || type.getName().startsWith("java.")
                || type.getName().startsWith("javax.") || JsonNode.class.isAssignableFrom(type)) {
            return Set.of();
        }
        try {
            BeanDescription bean = strict.getDeserializationConfig().introspect(strict.constructType(type));
            if (bean.findAnySetterAccessor() != null) {
                return Set.of();
            }
            SortedSet<String> names = new TreeSet<>();
            for (BeanPropertyDefinition property : bean.findProperties()) {
                if (property.couldDeserialize()) {
                    names.add(property.getName());
                }
            }
            return Collections.unmodifiableSortedSet(names);
        } catch (RuntimeException e) {
            return Set.of(); // Jackson reports it when decoding
        }
    }

    /** The failure's first line; for a lacking record component, without Jackson's feature name and with the way out. */
    private static String reason(IOException e) {
        String line = firstLine(e.getMessage());
        if (e instanceof MismatchedInputException && line.startsWith("Missing creator property")) {
            int feature = line.indexOf("; `");
            return (feature < 0 ? line : line.substring(0, feature))
                    + " (strict decoding: every record component must be present; ConsumerOptions.withLenientDecoding() accepts it)";
        }
        return line;
    }

    private static String firstLine(String text) {
        if (text == null) {
            return "no detail";
        }
        int newline = text.indexOf('\n');
        return newline < 0 ? text : text.substring(0, newline);
    }
}
