package dev.courier.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.courier.spi.Envelope;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.TreeMap;

/** How a message is printed for a person: its fields, its headers, its payload readable where it can be. */
final class PayloadText {

    private static final ObjectMapper JSON = new ObjectMapper();

    private PayloadText() {
    }

    /** Fields, headers (sorted) and the payload: pretty JSON, else UTF-8 text, else base64. */
    static void show(Envelope envelope, PrintWriter out) {
        out.println("id:           " + envelope.id());
        out.println("key:          " + (envelope.key() == null ? "-" : envelope.key()));
        out.println("type:         " + (envelope.type() == null ? "-" : envelope.type()));
        out.println("content type: " + envelope.contentType());
        out.println("timestamp:    " + envelope.timestamp());
        out.println("headers:");
        for (Map.Entry<String, String> header : new TreeMap<>(envelope.headers()).entrySet()) {
            out.println("  " + header.getKey() + ": " + header.getValue());
        }
        out.println("payload (" + envelope.payload().length + " bytes):");
        out.println(readable(envelope.payload()));
    }

    /** The payload for one line of {@code tail}: compact JSON or text, else base64. */
    static String oneLine(byte[] payload) {
        String text = text(payload);
        if (text == null) {
            return "base64:" + Base64.getEncoder().encodeToString(payload);
        }
        JsonNode json = json(text);
        return json == null ? Table.cut(text, 2_000) : json.toString();
    }

    private static String readable(byte[] payload) {
        String text = text(payload);
        if (text == null) {
            return "base64:" + Base64.getEncoder().encodeToString(payload);
        }
        JsonNode json = json(text);
        if (json == null) {
            return text;
        }
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(json);
        } catch (JsonProcessingException e) {
            return text;
        }
    }

    /** The payload as JSON, or {@code null} when it is not JSON (a bare word included). */
    static JsonNode json(String text) {
        String trimmed = text.strip();
        if (!trimmed.startsWith("{") && !trimmed.startsWith("[") && !trimmed.startsWith("\"")) {
            return null;
        }
        try {
            return JSON.readTree(trimmed);
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    private static String text(byte[] payload) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(payload)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
