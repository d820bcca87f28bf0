package dev.courier.benchmarks;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * For the {@code --raw-envelope} diagnostic: headers as large as those Courier's transports add to
 * every message (its id, content type and timestamp, and the CloudEvents attributes in binary
 * mode), so a raw client can carry the same bytes. Ids come from a counter and the time is fixed,
 * so the raw client pays for the bytes on the wire, not for Courier's code that makes them.
 * Used from one publisher thread.
 */
final class EnvelopeHeaders {

    private final String prefix;
    private final String topic;
    private final String time = Instant.now().toString();
    private long sequence;

    /** @param prefix the header prefix of the CloudEvents binding of the broker: {@code ce_}, {@code ce-}, {@code cloudEvents_} */
    EnvelopeHeaders(String prefix, String topic) {
        this.prefix = prefix;
        this.topic = topic;
    }

    /** A 36-character id, like a UUID's text. */
    String nextId() {
        return String.format("00000000-0000-4000-8000-%012x", sequence++);
    }

    /** The headers of one message with id {@code id}. */
    Map<String, String> headers(String id) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("courier-id", id);
        headers.put("courier-content-type", "application/octet-stream");
        headers.put("courier-timestamp", Long.toString(System.currentTimeMillis()));
        headers.put(prefix + "id", id);
        headers.put(prefix + "source", "/courier/" + topic);
        headers.put(prefix + "type", topic);
        headers.put(prefix + "specversion", "1.0");
        headers.put(prefix + "time", time);
        headers.put(prefix + "datacontenttype", "application/octet-stream");
        return headers;
    }
}
