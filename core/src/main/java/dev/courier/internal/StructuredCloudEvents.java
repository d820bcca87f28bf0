package dev.courier.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.courier.spi.CloudEvents;
import dev.courier.spi.Envelope;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Reads CloudEvents that arrive in structured content mode ({@code application/cloudevents+json}):
 * the message is the event, with its data under {@code data} or {@code data_base64}. Such a
 * message reaches the handler as the event's data, with the event's id, time, content type and
 * type (unless the type is the destination's name: Courier's "no type"), and its other attributes as headers named {@code ce-<attribute>}, exactly as the same event in
 * binary mode would. Anything else, a malformed event included, passes unchanged (a malformed
 * one then fails decoding and is dead-lettered with the reason).
 */
final class StructuredCloudEvents {

    /** The media type of a structured-mode CloudEvent in JSON. */
    static final String MEDIA_TYPE = "application/cloudevents+json";
    /** The prefix of the headers that carry the event's other attributes. */
    static final String HEADER_PREFIX = "ce-";

    private static final ObjectMapper JSON = new ObjectMapper();

    private StructuredCloudEvents() {
    }

    /** {@code envelope} as the event it holds, or {@code envelope} itself when it holds none. */
    static Envelope unwrap(Envelope envelope) {
        if (!isStructured(envelope.contentType())) {
            return envelope;
        }
        JsonNode event;
        try {
            event = JSON.readTree(envelope.payload());
        } catch (IOException e) {
            return envelope;
        }
        if (!(event instanceof ObjectNode) || !event.path(CloudEvents.ID).isTextual()
                || event.path(CloudEvents.ID).asText().isEmpty() || !event.has(CloudEvents.SPECVERSION)) {
            return envelope;
        }
        String contentType = event.path(CloudEvents.DATACONTENTTYPE).isTextual()
                ? event.get(CloudEvents.DATACONTENTTYPE).asText() : Payloads.JSON;
        byte[] payload;
        try {
            payload = data(event, contentType);
        } catch (IllegalArgumentException badBase64) {
            return envelope;
        }
        Instant time = event.path(CloudEvents.TIME).isTextual() ? CloudEvents.time(event.get(CloudEvents.TIME).asText()) : null;
        Map<String, String> headers = new LinkedHashMap<>(envelope.headers());
        for (Iterator<Map.Entry<String, JsonNode>> it = event.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> attribute = it.next();
            String name = attribute.getKey();
            if (!name.equals(CloudEvents.ID) && !name.equals(CloudEvents.TIME) && !name.equals(CloudEvents.DATACONTENTTYPE)
                    && !name.equals("data") && !name.equals("data_base64")) {
                JsonNode value = attribute.getValue();
                headers.put(HEADER_PREFIX + name, value.isTextual() ? value.asText() : value.toString());
            }
        }
        String type = event.path(CloudEvents.TYPE).isTextual()
                ? Envelope.receivedType(event.get(CloudEvents.TYPE).asText(), envelope.destination()) : null;
        return new Envelope(event.get(CloudEvents.ID).asText(), envelope.destination(), envelope.key(), headers, payload,
                contentType, time != null ? time : envelope.timestamp(), type);
    }

    private static boolean isStructured(String contentType) {
        return contentType.regionMatches(true, 0, MEDIA_TYPE, 0, MEDIA_TYPE.length())
                && (contentType.length() == MEDIA_TYPE.length() || contentType.charAt(MEDIA_TYPE.length()) == ';'
                || contentType.charAt(MEDIA_TYPE.length()) == ' ');
    }

    /** The event's data as bytes: base64-decoded, a JSON string's text for non-JSON types, or JSON. */
    private static byte[] data(JsonNode event, String contentType) {
        JsonNode base64 = event.get("data_base64");
        if (base64 != null && base64.isTextual()) {
            return Base64.getDecoder().decode(base64.asText());
        }
        JsonNode data = event.get("data");
        if (data == null || data.isNull()) {
            return new byte[0];
        }
        if (data.isTextual() && !isJson(contentType)) {
            return data.asText().getBytes(StandardCharsets.UTF_8);
        }
        return data.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static boolean isJson(String contentType) {
        String type = contentType.toLowerCase(Locale.ROOT);
        int semicolon = type.indexOf(';');
        if (semicolon >= 0) {
            type = type.substring(0, semicolon).trim();
        }
        return type.equals("application/json") || type.endsWith("+json") || type.equals("text/json");
    }
}
