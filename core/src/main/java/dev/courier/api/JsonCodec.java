package dev.courier.api;

import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.lang.reflect.Modifier;
import java.util.Collections;
import java.util.Objects;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * JSON by Jackson, the default {@link Codec}: records, plain classes, collections and
 * {@code java.time} (ISO-8601 text). Immutable and thread safe.
 *
 * <pre>{@code
 * BusOptions.defaults().withCodec(JsonCodec.customized(mapper -> mapper.registerModule(new MoneyModule())))
 * }</pre>
 *
 * <p>Decoding ignores unknown fields (producers may add fields) and is strict by default about
 * the shape: a JSON object that lacks a component of the target record (nested records
 * included), or, for a plain class (checked at the top level), that sets none of its properties,
 * fails, and the message is dead-lettered as a {@link DecodingException}. Maps, collections, JDK
 * types and classes with an any-setter are not checked; an explicit {@code null} counts as
 * present. The lenient mode ({@link #withStrictDecoding(boolean) withStrictDecoding(false)} for a
 * bus, {@link ConsumerOptions#withLenientDecoding()} for one subscription) accepts both, leaving
 * absent values {@code null} (or 0/false). Empty bodies and JSON {@code null} never decode.
 */
public final class JsonCodec implements Codec {

    /** The content type this codec writes. */
    public static final String CONTENT_TYPE = "application/json";

    private static final JsonCodec DEFAULTS = new JsonCodec(defaultMapper(), true);

    private final ObjectMapper mapper;
    /** The mapper plus the check that every record component is present. */
    private final ObjectMapper strictMapper;
    private final boolean strict;
    /** Per class: the JSON property names a strict decode needs at least one of; empty to skip the check. */
    private final ClassValue<Set<String>> settable = new ClassValue<>() {
        @Override
        protected Set<String> computeValue(Class<?> type) {
            return settableProperties(type);
        }
    };

    /**
     * Per class: a writer and a (strict, for records and other classes left to Jackson) reader
     * with the class's serializer or deserializer found once, not looked up on every message.
     */
    private final ClassValue<ObjectWriter> writers = new ClassValue<>() {
        @Override
        protected ObjectWriter computeValue(Class<?> type) {
            return mapper.writerFor(type);
        }
    };
    private final ClassValue<ObjectReader> strictReaders = new ClassValue<>() {
        @Override
        protected ObjectReader computeValue(Class<?> type) {
            return strictMapper.readerFor(type);
        }
    };

    private JsonCodec(ObjectMapper mapper, boolean strict) {
        this.mapper = mapper;
        this.strictMapper = mapper.copy().enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES);
        this.strict = strict;
    }

    /**
     * Courier's JSON: {@code java.time} as ISO-8601 text, unknown fields ignored, strict decoding.
     */
    public static JsonCodec defaults() {
        return DEFAULTS;
    }

    /**
     * JSON by the application's own mapper, used as it is configured (with strict decoding, on a
     * copy that also requires every record component). The mapper must not be reconfigured
     * afterwards.
     */
    public static JsonCodec of(ObjectMapper mapper) {
        return new JsonCodec(Objects.requireNonNull(mapper, "mapper"), true);
    }

    /**
     * Courier's JSON ({@link #defaults()}) changed by {@code customizer}, which receives a fresh
     * mapper, for example to register a module: {@code mapper -> mapper.registerModule(module)}.
     */
    public static JsonCodec customized(Consumer<ObjectMapper> customizer) {
        Objects.requireNonNull(customizer, "customizer");
        ObjectMapper mapper = defaultMapper();
        customizer.accept(mapper);
        return new JsonCodec(mapper, true);
    }

    private static ObjectMapper defaultMapper() {
        return new ObjectMapper()
                .registerModule(new JavaTimeModule())
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    }

    /** This codec with strict decoding on (the default) or off; see the class documentation. */
    public JsonCodec withStrictDecoding(boolean on) {
        return on == strict ? this : new JsonCodec(mapper, on);
    }

    /** Whether decoding rejects JSON of the wrong shape. */
    public boolean strictDecoding() {
        return strict;
    }

    /** This codec with strict decoding off. */
    @Override
    public JsonCodec lenient() {
        return withStrictDecoding(false);
    }

    @Override
    public String contentType() {
        return CONTENT_TYPE;
    }

    @Override
    public byte[] encode(Object payload) throws IOException {
        return payload == null ? mapper.writeValueAsBytes(null) : writers.get(payload.getClass()).writeValueAsBytes(payload);
    }

    /**
     * @throws IOException when the bytes are empty, not JSON, JSON {@code null}, or (strictly) of the wrong shape
     */
    @Override
    public <T> T decode(byte[] bytes, String contentType, Class<T> type) throws IOException {
        if (bytes.length == 0) {
            throw new IOException("the payload is empty");
        }
        T value;
        try {
            value = strict ? strictly(bytes, type) : mapper.readValue(bytes, type);
        } catch (MismatchedInputException e) {
            String line = firstLine(e.getMessage());
            if (!line.startsWith("Missing creator property")) {
                throw e;
            }
            int feature = line.indexOf("; `");
            throw new IOException((feature < 0 ? line : line.substring(0, feature))
                    + " (strict decoding: every record component must be present;"
                    + " ConsumerOptions.withLenientDecoding() accepts it)", e);
        }
        if (value == null) {
            throw new IOException("the payload is JSON null");
        }
        return value;
    }

    /** Records are checked by Jackson (every creator property present); other classes here. */
    private <T> T strictly(byte[] bytes, Class<T> type) throws IOException {
        Set<String> properties = settable.get(type);
        if (properties.isEmpty()) {
            return strictReaders.get(type).readValue(bytes);
        }
        JsonNode tree = strictMapper.readTree(bytes);
        if (tree != null && tree.isObject() && properties.stream().noneMatch(tree::has)) {
            throw new IOException("the JSON object sets none of its properties " + properties
                    + " (strict decoding; ConsumerOptions.withLenientDecoding() accepts it)");
        }
        return strictMapper.treeToValue(tree, type);
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
            BeanDescription bean = strictMapper.getDeserializationConfig().introspect(strictMapper.constructType(type));
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

    private static String firstLine(String text) {
        if (text == null) {
            return "no detail";
        }
        int newline = text.indexOf('\n');
        return newline < 0 ? text : text.substring(0, newline);
    }

    @Override
    public String toString() {
        return "JsonCodec[" + (strict ? "strict" : "lenient") + "]";
    }
}
