package dev.courier.spi;

import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
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
 * {@code type} = the envelope's {@linkplain Envelope#type() type}, or the destination name when it
 * has none (a receiver reads that back as no type, see {@link Envelope#receivedType}),
 * {@code specversion} = {@code 1.0}, {@code time} = the publish timestamp (RFC 3339),
 * {@code datacontenttype} = the content type. A transport sends each field once: where its
 * broker carries the time or the content type in a field of its own, the binding's mapping of
 * that field replaces the attribute; with {@link EnvelopeForm#MINIMAL} it sends none of them.
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

    /** Sources by destination name, kept for 4,096 destinations; beyond them a source is built per message. */
    private static final BoundedMemo<String, String> SOURCES = new BoundedMemo<>(4_096, name -> "/courier/" + name);

    private CloudEvents() {
    }

    /**
     * The {@code source} attribute of messages sent to {@code destination},
     * {@code /courier/<name>}: the same string instance for every message to the same
     * destination (up to a few thousand destinations), so a transport may cache its encoded
     * bytes by identity or name instead of encoding it per message.
     */
    public static String source(Destination destination) {
        return SOURCES.get(destination.name());
    }

    /** The attributes of {@code envelope}, in a stable order. */
    public static Map<String, String> attributes(Envelope envelope) {
        Map<String, String> attributes = new LinkedHashMap<>();
        attributes.put(ID, envelope.id());
        attributes.put(SOURCE, source(envelope.destination()));
        attributes.put(TYPE, envelope.type() != null ? envelope.type() : envelope.destination().name());
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
        String rawTime = lookup.apply(TIME);
        Instant time = rawTime == null ? null : time(rawTime);
        return Optional.of(new Received(id, lookup.apply(SOURCE), lookup.apply(TYPE), time, lookup.apply(DATACONTENTTYPE)));
    }

    /**
     * The instant an RFC 3339 {@code time} attribute names, or {@code null} when it is unreadable
     * (not worth losing the message over). The form Courier writes, UTC with milliseconds
     * ({@code 2026-11-29T15:40:01.123Z}), is read without the general formatter: it is on every
     * message's path.
     */
    public static Instant time(String text) {
        if (text.length() == 24 && text.charAt(4) == '-' && text.charAt(7) == '-' && text.charAt(10) == 'T'
                && text.charAt(13) == ':' && text.charAt(16) == ':' && text.charAt(19) == '.' && text.charAt(23) == 'Z') {
            int year = digits(text, 0, 4);
            int month = digits(text, 5, 7);
            int day = digits(text, 8, 10);
            int hour = digits(text, 11, 13);
            int minute = digits(text, 14, 16);
            int second = digits(text, 17, 19);
            int millis = digits(text, 20, 23);
            if (year >= 0 && month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour >= 0 && hour < 24
                    && minute >= 0 && minute < 60 && second >= 0 && second < 60 && millis >= 0
                    && day <= YearMonth.of(year, month).lengthOfMonth()) {
                long seconds = LocalDate.of(year, month, day).toEpochDay() * 86_400L + hour * 3_600L + minute * 60L + second;
                return Instant.ofEpochSecond(seconds, millis * 1_000_000L);
            }
        }
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /** The decimal number in {@code text[from, to)}, or -1 if a character there is not an ASCII digit. */
    private static int digits(String text, int from, int to) {
        int value = 0;
        for (int i = from; i < to; i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value;
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
