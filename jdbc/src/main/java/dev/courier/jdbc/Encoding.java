package dev.courier.jdbc;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.courier.api.BusOptions;
import dev.courier.api.Codec;
import dev.courier.api.EventType;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Encodes an outbox message the way the bus would on publish: {@code byte[]} and {@code String}
 * as they are, anything else with the codec {@link BusOptions} chooses for its class, and the
 * event type from {@link EventType} or the class name. Thread safe.
 */
final class Encoding {

    static final String BINARY = "application/octet-stream";
    static final String TEXT = "text/plain; charset=utf-8";
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,120}");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<Map<String, String>> HEADERS = new TypeReference<>() {
    };

    private final BusOptions options;
    private final ClassValue<Codec> chosen = new ClassValue<>() {
        @Override
        protected Codec computeValue(Class<?> type) {
            return choose(type);
        }
    };
    private static final ClassValue<String> TYPES = new ClassValue<>() {
        @Override
        protected String computeValue(Class<?> type) {
            String name = derive(type);
            return name == null ? "" : name;
        }
    };

    Encoding(BusOptions options) {
        this.options = options;
    }


    /** Bytes and content type of {@code payload}. */
    Encoded encode(Object payload) throws Exception {
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

    record Encoded(byte[] bytes, String contentType) {
    }

    private Codec choose(Class<?> type) {
        return options.codecFor(type);
    }

    /** Checks a topic or type name as the bus does: 1 to 120 of {@code [A-Za-z0-9._-]}. */
    static String name(String what, String value) {
        if (!NAME.matcher(value).matches()) {
            throw new IllegalArgumentException(what + " must be 1 to 120 characters of [A-Za-z0-9._-]: '" + value + "'");
        }
        return value;
    }

    /** The event type of payloads of {@code type} as {@link EventType} documents it, or {@code null}. */
    static String typeOf(Class<?> type) {
        String name = TYPES.get(type);
        return name.isEmpty() ? null : name;
    }

    private static String derive(Class<?> type) {
        EventType annotation = type.getAnnotation(EventType.class);
        if (annotation != null) {
            return name("an @EventType", annotation.value());
        }
        String pkg = type.getPackageName();
        if (type.isArray() || type.isPrimitive() || type.isAnonymousClass() || type.isHidden() || type.isSynthetic()
                || pkg.startsWith("java.") || pkg.startsWith("javax.") || pkg.startsWith("jdk.")
                || pkg.startsWith("sun.") || pkg.startsWith("com.fasterxml.jackson.")) {
            return null;
        }
        String name = type.isLocalClass() ? type.getSimpleName()
                : (pkg.isEmpty() ? type.getName() : type.getName().substring(pkg.length() + 1)).replace('$', '.');
        return NAME.matcher(name).matches() ? name : null;
    }

    static String headers(Map<String, String> headers) {
        try {
            return JSON.writeValueAsString(headers);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static Map<String, String> headers(String json) {
        try {
            return JSON.readValue(json, HEADERS);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("outbox headers are not a JSON object of strings: " + e.getOriginalMessage(), e);
        }
    }
}
