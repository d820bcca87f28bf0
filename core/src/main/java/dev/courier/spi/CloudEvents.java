package dev.courier.spi;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * CloudEvents 1.0 attributes of an envelope, for transports to write in binary content mode under
 * their protocol binding's header prefix ({@code ce_} for Kafka, {@code cloudEvents_} for AMQP,
 * {@code ce-} for NATS), so that a consumer using a CloudEvents SDK reads Courier messages, and
 * Courier reads CloudEvents produced elsewhere.
 *
 * <p>Mapping: {@code id} = message id, {@code source} = {@code /courier/<destination>},
 * {@code type} = the destination name, {@code specversion} = {@code 1.0}, {@code time} = the
 * publish timestamp (RFC 3339), {@code datacontenttype} = the content type.
 */
public final class CloudEvents {

    /** The CloudEvents version written. */
    public static final String SPEC_VERSION = "1.0";

    public static final String ID = "id";
    public static final String SOURCE = "source";
    public static final String TYPE = "type";
    public static final String SPECVERSION = "specversion";
    public static final String TIME = "time";
    public static final String DATACONTENTTYPE = "datacontenttype";

    private CloudEvents() {
    }

    /** The attributes of {@code envelope}, in a stable order. */
    public static Map<String, String> attributes(Envelope envelope) {
        Map<String, String> attributes = new LinkedHashMap<>();
        attributes.put(ID, envelope.id());
        attributes.put(SOURCE, "/courier/" + envelope.destination().name());
        attributes.put(TYPE, envelope.destination().name());
        attributes.put(SPECVERSION, SPEC_VERSION);
        attributes.put(TIME, envelope.timestamp().toString());
        attributes.put(DATACONTENTTYPE, envelope.contentType());
        return attributes;
    }

    /**
     * The attributes found with {@code lookup} (attribute name → header value, or {@code null}),
     * when the message is a CloudEvent (it has {@code id} and {@code specversion}).
     */
    public static Optional<Received> read(Function<String, String> lookup) {
        String id = lookup.apply(ID);
        String specVersion = lookup.apply(SPECVERSION);
        if (id == null || id.isEmpty() || specVersion == null) {
            return Optional.empty();
        }
        Instant time = null;
        String rawTime = lookup.apply(TIME);
        if (rawTime != null) {
            try {
                time = Instant.parse(rawTime);
            } catch (DateTimeParseException e) {
                time = null; // an unreadable time is not worth losing the message over
            }
        }
        return Optional.of(new Received(id, lookup.apply(SOURCE), lookup.apply(TYPE), time, lookup.apply(DATACONTENTTYPE)));
    }

    /**
     * CloudEvents attributes read from a received message.
     *
     * @param id              the event id
     * @param source          the source, or {@code null}
     * @param type            the type, or {@code null}
     * @param time            the time, or {@code null} when absent or unreadable
     * @param dataContentType the content type, or {@code null}
     */
    public record Received(String id, String source, String type, Instant time, String dataContentType) {
    }
}
