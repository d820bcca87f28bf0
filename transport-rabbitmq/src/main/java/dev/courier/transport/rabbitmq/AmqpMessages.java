package dev.courier.transport.rabbitmq;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.LongString;
import dev.courier.spi.CloudEvents;
import dev.courier.spi.Destination;
import dev.courier.spi.Envelope;
import dev.courier.spi.EnvelopeForm;
import dev.courier.spi.HeaderEscape;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.Base64;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Maps an {@link Envelope} to AMQP 0-9-1 message properties and back.
 *
 * <ul>
 *   <li>id: the header {@code cloudEvents_id} (CloudEvents form, the default) or the
 *       {@code message-id} property ({@code envelope=minimal}); content type: the
 *       {@code content-type} property, omitted in the minimal form for
 *       {@code application/octet-stream} (either in the header {@code courier-id} /
 *       {@code courier-content-type} when longer than an AMQP short string's 255 bytes);</li>
 *   <li>key: the header {@code courier-key} (absent when the message has no key);</li>
 *   <li>timestamp: the AMQP {@code timestamp} property (seconds) and the header
 *       {@code courier-ms} (its milliseconds, a short int), in both forms; a
 *       {@code cloudEvents_time} attribute (written before #21, or by another producer) and a
 *       {@code courier-timestamp} header (epoch milliseconds, written by Courier 0.1 snapshots)
 *       are still read and win;</li>
 *   <li>type ({@code envelope=minimal}): the header {@code courier-type}, absent without one;</li>
 *   <li>user headers: the headers table, as UTF-8 long strings; a name this mapping or RabbitMQ
 *       reads ({@code courier-key}, {@code courier-timestamp}, {@code courier-id},
 *       {@code courier-content-type}, {@code x-delivery-count}, {@code x-death},
 *       {@code x-first-death-*}, {@code x-last-death-*}, {@code CC}, {@code BCC} in any case)
 *       travels escaped, as Courier's one {@link HeaderEscape} says, and arrives under its own
 *       name; the CloudEvents attributes of an event from elsewhere, passed on (a dead letter),
 *       travel as they are, so it stays that event;</li>
 *   <li>in the CloudEvents form, the attributes in binary content mode ({@code cloudEvents_id},
 *       {@code cloudEvents_source}, {@code cloudEvents_type}, {@code cloudEvents_specversion}; the
 *       content type and time are the properties), so CloudEvents SDKs
 *       read Courier messages; {@code cloudEvents_type} is the envelope's event type, or the
 *       destination name for a message without one, which is read back as no type;</li>
 *   <li>delivery mode 2 (persistent).</li>
 * </ul>
 *
 * <p>Messages published by other AMQP clients are accepted, and look the same on every delivery
 * of the same message (an idempotent handler recognises a redelivery):
 * <ul>
 *   <li>id: the {@code message-id} property, else the CloudEvents {@code id} attribute, else a
 *       {@linkplain #derivedId content-derived UUID};</li>
 *   <li>timestamp, in milliseconds: the CloudEvents {@code time} attribute (an RFC 3339 string
 *       or a native AMQP timestamp), else the header {@code timestamp_in_ms} (epoch milliseconds,
 *       set by RabbitMQ's message timestamp interceptor or plugin), else the {@code timestamp}
 *       property (whole seconds), else the Unix epoch ({@code 1970-01-01T00:00:00Z}: unknown);</li>
 *   <li>content type: the property, else {@code application/octet-stream};</li>
 *   <li>CloudEvents attributes under either prefix of the AMQP binding, {@code cloudEvents_}
 *       or {@code cloudEvents:} ({@code cloudEvents_} wins when a message has both); those of an
 *       event from elsewhere that did not become the id, time or content type stay visible as
 *       headers under the names they were sent with (of a Courier message, only attributes
 *       Courier does not write); sent on (a dead letter), such an event keeps its
 *       {@code source} and {@code type};</li>
 *   <li>header values of other AMQP types arrive as {@linkplain #text text}.</li>
 * </ul>
 */
final class AmqpMessages {

    static final String KEY = "courier-key";
    static final String TIMESTAMP = "courier-timestamp";
    static final String LONG_ID = "courier-id";
    static final String LONG_CONTENT_TYPE = "courier-content-type";
    /** The event type in the minimal form, absent when the message has none. */
    static final String TYPE = "courier-type";
    /** The milliseconds (0-999) of the publish time, whose seconds are the {@code timestamp} property. */
    static final String MILLIS = "courier-ms";
    /** The 1,000 values of {@link #MILLIS}, boxed once (an AMQP short-int). */
    private static final Short[] MILLIS_VALUES = new Short[1000];

    static {
        for (short i = 0; i < MILLIS_VALUES.length; i++) {
            MILLIS_VALUES[i] = i;
        }
    }
    /** Set by quorum queues on redelivery: how many times the message was delivered before. */
    static final String DELIVERY_COUNT = "x-delivery-count";
    /** Epoch milliseconds of arrival, set by RabbitMQ's {@code set_header_timestamp} interceptor or timestamp plugin. */
    static final String TIMESTAMP_IN_MS = "timestamp_in_ms";
    /** The CloudEvents AMQP binding's header prefix for attributes, the one Courier writes. */
    static final String CLOUD_EVENTS_PREFIX = "cloudEvents_";
    /** The binding's other prefix (AMQP 1.0 application properties style); read, never written. */
    static final String CLOUD_EVENTS_COLON_PREFIX = "cloudEvents:";
    /** The CloudEvents source of every message Courier writes starts with it. */
    private static final String COURIER_SOURCE = "/courier/";
    private static final String UNKNOWN_CONTENT_TYPE = EnvelopeForm.DEFAULT_CONTENT_TYPE;
    private static final String CE_ID = CLOUD_EVENTS_PREFIX + CloudEvents.ID;
    private static final String CE_SOURCE = CLOUD_EVENTS_PREFIX + CloudEvents.SOURCE;
    private static final String CE_TYPE = CLOUD_EVENTS_PREFIX + CloudEvents.TYPE;
    private static final String CE_SPECVERSION = CLOUD_EVENTS_PREFIX + CloudEvents.SPECVERSION;
    /** The attributes Courier writes as headers on every message. */
    private static final Set<String> WRITTEN = Set.of(CloudEvents.ID, CloudEvents.SOURCE, CloudEvents.TYPE,
            CloudEvents.SPECVERSION, CloudEvents.TIME);

    /** Courier's one header escape, with the names this mapping or the broker reads. */
    private static final HeaderEscape ESCAPE = new HeaderEscape(name -> name.equals(KEY) || name.equals(TIMESTAMP)
            || name.equals(TYPE) || name.equals(MILLIS)
            || name.equals(LONG_ID) || name.equals(LONG_CONTENT_TYPE) || addedByBroker(name)
            || name.equalsIgnoreCase("CC") || name.equalsIgnoreCase("BCC"));

    /** The headers of the usual message in each form, in the order CompactProperties writes them. */
    private static final String[] MINIMAL_NAMES = {MILLIS};
    private static final String[] MINIMAL_TYPED_NAMES = {MILLIS, TYPE};
    private static final String[] CLOUD_EVENTS_NAMES = {MILLIS, CE_ID, CE_SOURCE, CE_TYPE, CE_SPECVERSION};

    private static final int SHORT_STRING_MAX_BYTES = 255;
    private static final int PERSISTENT = 2;

    private AmqpMessages() {
    }

    /** The properties carrying everything of {@code envelope} but its payload, in the CloudEvents form. */
    static AMQP.BasicProperties properties(Envelope envelope) {
        return properties(envelope, EnvelopeForm.CLOUDEVENTS);
    }

    /**
     * The properties carrying everything of {@code envelope} but its payload, in {@code form}.
     * Each field travels once: the publish time is the {@code timestamp} property (seconds) and
     * {@code courier-ms} (its milliseconds), the content type the {@code content-type} property;
     * the id is {@code cloudEvents_id} in the CloudEvents form (the binding requires it) and the
     * {@code message-id} property in the minimal form.
     */
    static AMQP.BasicProperties properties(Envelope envelope, EnvelopeForm form) {
        long millis = envelope.timestamp().toEpochMilli();
        Short publishMillis = MILLIS_VALUES[(int) Math.floorMod(millis, 1000L)];
        String id = envelope.id();
        String contentType = envelope.contentType();
        if (envelope.headers().isEmpty() && envelope.key() == null && fitsShortString(contentType)
                && (form == EnvelopeForm.CLOUDEVENTS || fitsShortString(id))) {
            // the usual message: Courier's headers only, encoded in one go (CompactProperties)
            String[] names;
            Object[] values;
            if (form == EnvelopeForm.MINIMAL) {
                names = envelope.type() == null ? MINIMAL_NAMES : MINIMAL_TYPED_NAMES;
                values = envelope.type() == null ? new Object[] {publishMillis} : new Object[] {publishMillis, envelope.type()};
                contentType = contentType.equals(UNKNOWN_CONTENT_TYPE) ? null : contentType;
            } else {
                names = CLOUD_EVENTS_NAMES;
                values = new Object[] {publishMillis, id, CloudEvents.source(envelope.destination()),
                        envelope.type() != null ? envelope.type() : envelope.destination().name(), CloudEvents.SPEC_VERSION};
                id = null;
            }
            Map<String, Object> headers = values.length == 1 ? Map.of(names[0], values[0])
                    : values.length == 2 ? Map.of(names[0], values[0], names[1], values[1])
                    : Map.of(names[0], values[0], names[1], values[1], names[2], values[2], names[3], values[3], names[4], values[4]);
            return CompactProperties.of(contentType, id, new Date(Math.floorDiv(millis, 1000L) * 1000L), PERSISTENT,
                    names, values, headers);
        }
        Map<String, Object> headers = new HashMap<>(envelope.headers().size() + 6);
        envelope.headers().forEach((name, value) -> headers.put(ESCAPE.toWire(name), value));
        if (envelope.key() != null) {
            headers.put(KEY, envelope.key());
        }
        headers.put(MILLIS, publishMillis);
        if (form == EnvelopeForm.MINIMAL) {
            if (envelope.type() != null) {
                headers.put(TYPE, envelope.type());
            }
            if (contentType.equals(UNKNOWN_CONTENT_TYPE)) {
                contentType = null;
            }
        } else {
            headers.put(CE_ID, id);
            id = null; // cloudEvents_id is the id; a message-id property would repeat it
            // a foreign event sent on (a dead letter) stays that event: same source, type and id
            headers.putIfAbsent(CE_SOURCE, CloudEvents.source(envelope.destination()));
            headers.putIfAbsent(CE_TYPE, envelope.type() != null ? envelope.type() : envelope.destination().name());
            headers.put(CE_SPECVERSION, CloudEvents.SPEC_VERSION);
        }
        if (id != null && !fitsShortString(id)) {
            headers.put(LONG_ID, id);
            id = null;
        }
        if (contentType != null && !fitsShortString(contentType)) {
            headers.put(LONG_CONTENT_TYPE, contentType);
            contentType = null;
        }
        return properties(id, contentType, millis, headers);
    }

    private static AMQP.BasicProperties properties(String id, String contentType, long millis, Map<String, Object> headers) {
        return new AMQP.BasicProperties.Builder()
                .messageId(id)
                .contentType(contentType)
                .deliveryMode(PERSISTENT)
                .timestamp(new Date(Math.floorDiv(millis, 1000L) * 1000L))
                .headers(headers)
                .build();
    }

    /**
     * The id of a message Courier published with {@code properties}, as either form carries it, or
     * {@code null}: for matching a returned message to its publish.
     */
    static String publishedId(AMQP.BasicProperties properties) {
        if (properties.getMessageId() != null) {
            return properties.getMessageId();
        }
        Map<String, Object> headers = properties.getHeaders();
        if (headers == null) {
            return null;
        }
        Object id = headers.containsKey(LONG_ID) ? headers.get(LONG_ID) : headers.get(CE_ID);
        return id == null ? null : text(id);
    }

    /**
     * The envelope a delivery from {@code source} carries; {@code exchange} and {@code routingKey}
     * are the ones it was published with. Never throws for an odd message: every header value has
     * a text form.
     */
    static Envelope envelope(Destination source, String exchange, String routingKey, AMQP.BasicProperties properties,
                             byte[] body, boolean quorum) {
        Map<String, Object> table = properties.getHeaders() == null ? Map.of() : properties.getHeaders();
        boolean delayed = DelayLevels.delayedOnly(table); // its dead-letter history is the delay's hops
        // made for the first header that stays one: a message of Courier's with no user headers has none
        Map<String, String> headers = null;
        // The attributes Courier writes under cloudEvents_ kept in locals; any other attribute under
        // either prefix in a map by prefix (attribute name -> text), made for the first one that comes.
        boolean ceSeen = false;
        String ceId = null;
        String ceSource = null;
        String ceType = null;
        String ceSpecVersion = null;
        Map<String, String> underscored = null;
        Map<String, String> coloned = null;
        String key = null;
        Instant timestamp = null;
        Instant arrival = null;
        String id = properties.getMessageId();
        String contentType = properties.getContentType();
        String type = null;
        Integer publishMillis = null;
        for (Map.Entry<String, Object> header : table.entrySet()) {
            String name = header.getKey();
            Object value = header.getValue();
            switch (name) {
                case KEY -> key = text(value);
                case TIMESTAMP -> timestamp = value instanceof Number millis ? Instant.ofEpochMilli(millis.longValue()) : null;
                case LONG_ID -> id = text(value);
                case LONG_CONTENT_TYPE -> contentType = text(value);
                case TYPE -> {
                    String text = text(value);
                    type = text.isEmpty() ? null : text;
                }
                case MILLIS -> publishMillis = value instanceof Number n && n.intValue() >= 0 && n.intValue() < 1000 ? n.intValue() : null;
                case CE_ID -> {
                    ceSeen = true;
                    ceId = text(value);
                }
                case CE_SOURCE -> {
                    ceSeen = true;
                    ceSource = text(value, CloudEvents.source(source));
                }
                case CE_TYPE -> {
                    ceSeen = true;
                    ceType = text(value, source.name());
                }
                case CE_SPECVERSION -> {
                    ceSeen = true;
                    ceSpecVersion = text(value, CloudEvents.SPEC_VERSION);
                }
                default -> {
                    if (name.startsWith(CLOUD_EVENTS_PREFIX)) {
                        if (underscored == null) {
                            underscored = new HashMap<>(8);
                        }
                        underscored.put(name.substring(CLOUD_EVENTS_PREFIX.length()), text(value));
                    } else if (name.startsWith(CLOUD_EVENTS_COLON_PREFIX)) {
                        if (coloned == null) {
                            coloned = new HashMap<>(8);
                        }
                        coloned.put(name.substring(CLOUD_EVENTS_COLON_PREFIX.length()), text(value));
                    } else if (!(quorum && name.equals(DELIVERY_COUNT))
                            && !(delayed && addedByBroker(name) && !name.equals(DELIVERY_COUNT))) {
                        if (name.equals(TIMESTAMP_IN_MS)) {
                            arrival = epochMillis(value);
                        }
                        if (headers == null) {
                            headers = new HashMap<>(table.size());
                        }
                        headers.put(HeaderEscape.fromWire(name), text(value));
                    }
                }
            }
        }
        boolean fromCourier = ceSource != null && ceSource.startsWith(COURIER_SOURCE);
        if (ceSeen && fromCourier && underscored == null && coloned == null) {
            // Courier's own attributes alone, as on every message Courier writes: the id and type,
            // as the general case below reads them, and nothing left over as a header
            if (ceId != null && !ceId.isEmpty() && ceSpecVersion != null) {
                type = type != null ? type : Envelope.receivedType(ceType, source);
                id = id != null ? id : ceId;
            }
        } else if (ceSeen || underscored != null || coloned != null) {
            if (ceSeen) {
                if (underscored == null) {
                    underscored = new HashMap<>(8);
                }
                putIfPresent(underscored, CloudEvents.ID, ceId);
                putIfPresent(underscored, CloudEvents.SOURCE, ceSource);
                putIfPresent(underscored, CloudEvents.TYPE, ceType);
                putIfPresent(underscored, CloudEvents.SPECVERSION, ceSpecVersion);
            }
            if (headers == null) {
                headers = new HashMap<>(table.size());
            }
            // the attributes under one prefix make the event; the other prefix's headers stay plain headers
            boolean underscoredWin = underscored != null || coloned == null;
            String prefix = underscoredWin ? CLOUD_EVENTS_PREFIX : CLOUD_EVENTS_COLON_PREFIX;
            Map<String, String> texts = underscoredWin ? underscored : coloned;
            Map<String, String> other = underscoredWin ? coloned : underscored;
            if (other != null) {
                String otherPrefix = underscoredWin ? CLOUD_EVENTS_COLON_PREFIX : CLOUD_EVENTS_PREFIX;
                for (Map.Entry<String, String> attribute : other.entrySet()) {
                    headers.put(otherPrefix + attribute.getKey(), attribute.getValue());
                }
            }
            if (texts != null) {
                CloudEvents.Received event = CloudEvents.read(texts::get).orElse(null);
                boolean idUsed = false;
                boolean timeUsed = false;
                boolean contentTypeUsed = false;
                if (event != null) {
                    type = type != null ? type : Envelope.receivedType(event.type(), source);
                    id = id != null ? id : event.id();
                    timestamp = timestamp != null || event.time() == null ? timestamp : event.time();
                    contentType = contentType != null || event.dataContentType() == null ? contentType : event.dataContentType();
                    // an attribute the message's own field equals is that field, not a header
                    idUsed = id.equals(event.id());
                    timeUsed = timestamp != null && timestamp.equals(event.time());
                    contentTypeUsed = contentType != null && contentType.equals(event.dataContentType());
                }
                String eventSource = texts.get(CloudEvents.SOURCE);
                boolean eventFromCourier = eventSource != null && eventSource.startsWith(COURIER_SOURCE);
                // what did not become the message's own fields stays visible, but for the attributes
                // Courier writes on each of its messages
                for (Map.Entry<String, String> attribute : texts.entrySet()) {
                    String name = attribute.getKey();
                    boolean used = idUsed && name.equals(CloudEvents.ID) || timeUsed && name.equals(CloudEvents.TIME)
                            || contentTypeUsed && name.equals(CloudEvents.DATACONTENTTYPE);
                    if (!used && !(eventFromCourier && WRITTEN.contains(name))) {
                        headers.put(prefix + name, attribute.getValue());
                    }
                }
            }
        }
        if (timestamp == null && publishMillis != null && properties.getTimestamp() != null) {
            // Courier's own publish time: seconds in the property, milliseconds beside it
            timestamp = Instant.ofEpochSecond(Math.floorDiv(properties.getTimestamp().getTime(), 1000L)).plusMillis(publishMillis);
        }
        if (timestamp == null) {
            timestamp = arrival;
        }
        if (timestamp == null && properties.getTimestamp() != null) {
            timestamp = properties.getTimestamp().toInstant();
        }
        if (timestamp == null) {
            timestamp = Instant.EPOCH; // unknown, but the same on every delivery
        }
        if (id == null || id.isEmpty()) {
            id = derivedId(exchange, routingKey, properties, body);
        }
        return new Envelope(id, source, key, headers == null ? Map.of() : headers, body,
                contentType != null ? contentType : UNKNOWN_CONTENT_TYPE, timestamp.truncatedTo(ChronoUnit.MILLIS), type);
    }

    private static void putIfPresent(Map<String, String> attributes, String name, String text) {
        if (text != null) {
            attributes.put(name, text);
        }
    }

    /**
     * The id of a message published without one: a name-based UUID (RFC 9562 version 8, from the
     * first 128 bits of SHA-256) of the exchange and routing key it was published with, its
     * properties, its headers (by name, except those RabbitMQ adds on redelivery or
     * dead-lettering: {@code x-delivery-count}, {@code x-death}, {@code x-first-death-*},
     * {@code x-last-death-*}) and its body. The same message has the same id on every delivery,
     * to every member; two messages identical in all of these share an id.
     */
    static String derivedId(String exchange, String routingKey, AMQP.BasicProperties properties, byte[] body) {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
        field(digest, "exchange", exchange);
        field(digest, "routing-key", routingKey);
        field(digest, "content-type", properties.getContentType());
        field(digest, "content-encoding", properties.getContentEncoding());
        field(digest, "delivery-mode", properties.getDeliveryMode());
        field(digest, "priority", properties.getPriority());
        field(digest, "correlation-id", properties.getCorrelationId());
        field(digest, "reply-to", properties.getReplyTo());
        field(digest, "expiration", properties.getExpiration());
        field(digest, "timestamp", properties.getTimestamp() == null ? null : properties.getTimestamp().getTime());
        field(digest, "type", properties.getType());
        field(digest, "user-id", properties.getUserId());
        field(digest, "app-id", properties.getAppId());
        field(digest, "cluster-id", properties.getClusterId());
        if (properties.getHeaders() != null) {
            for (Map.Entry<String, Object> header : new TreeMap<>(properties.getHeaders()).entrySet()) {
                if (!addedByBroker(header.getKey())) {
                    field(digest, "header:" + header.getKey(), text(header.getValue()));
                }
            }
        }
        field(digest, "body", body.length);
        digest.update(body);
        byte[] hash = digest.digest();
        hash[6] = (byte) ((hash[6] & 0x0f) | 0x80); // version 8
        hash[8] = (byte) ((hash[8] & 0x3f) | 0x80); // IETF variant
        ByteBuffer bits = ByteBuffer.wrap(hash, 0, 16);
        return new UUID(bits.getLong(), bits.getLong()).toString();
    }

    private static boolean addedByBroker(String header) {
        return header.equals(DELIVERY_COUNT) || header.equals("x-death") || header.startsWith("x-first-death-")
                || header.startsWith("x-last-death-");
    }

    /** Adds {@code name} and {@code value}, each length-prefixed, so no two field lists digest alike. */
    private static void field(MessageDigest digest, String name, Object value) {
        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        digest.update(ByteBuffer.allocate(4).putInt(nameBytes.length).array());
        digest.update(nameBytes);
        if (value == null) {
            digest.update(ByteBuffer.allocate(4).putInt(-1).array());
            return;
        }
        byte[] valueBytes = String.valueOf(value).getBytes(StandardCharsets.UTF_8);
        digest.update(ByteBuffer.allocate(4).putInt(valueBytes.length).array());
        digest.update(valueBytes);
    }

    private static Instant epochMillis(Object value) {
        if (value instanceof Number millis) {
            return Instant.ofEpochMilli(millis.longValue());
        }
        try {
            return Instant.ofEpochMilli(Long.parseLong(text(value).trim()));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /**
     * The delivery count: quorum queues count deliveries in {@code x-delivery-count}; classic
     * queues only say whether the message was delivered before.
     */
    static int deliveryCount(AMQP.BasicProperties properties, boolean redelivered, boolean quorum) {
        if (quorum && properties.getHeaders() != null
                && properties.getHeaders().get(DELIVERY_COUNT) instanceof Number previous) {
            return (int) Math.min(Integer.MAX_VALUE - 1L, previous.longValue()) + 1;
        }
        return redelivered ? 2 : 1;
    }

    private static boolean fitsShortString(String value) {
        return value.length() * 3 <= SHORT_STRING_MAX_BYTES
                || value.getBytes(StandardCharsets.UTF_8).length <= SHORT_STRING_MAX_BYTES;
    }

    /**
     * {@link #text(Object)}, as {@code expected} itself when the value is that ASCII text: the
     * attributes every message to a destination repeats (its source, its type, the spec version)
     * are then read without decoding them, compared in place.
     */
    private static String text(Object value, String expected) {
        if (value instanceof LongString longString) {
            byte[] bytes = longString.getBytes();
            if (bytes.length == expected.length()) {
                int i = 0;
                while (i < bytes.length && bytes[i] >= 0 && bytes[i] == expected.charAt(i)) {
                    i++;
                }
                if (i == bytes.length) {
                    return expected;
                }
            }
        }
        return text(value);
    }

    /**
     * The text of a header value of any AMQP field type: a long string as its UTF-8 text; a byte
     * array ({@code x}) as its UTF-8 text when it is valid UTF-8, else in base64; a timestamp as
     * RFC 3339 UTC ({@code 2026-11-24T10:00:00Z}); a number or boolean as written in Java
     * ({@code 42}, {@code 2.5}, {@code true}; decimals without exponent); void as the empty text;
     * a nested table as a JSON object (members in name order) and an array as a JSON array, their values converted the
     * same way (texts as JSON strings, numbers and booleans bare, void as {@code null}).
     */
    static String text(Object value) {
        if (value == null) {
            return "";
        }
        if (value instanceof String string) {
            return string;
        }
        if (value instanceof LongString longString) {
            return new String(longString.getBytes(), StandardCharsets.UTF_8);
        }
        if (value instanceof byte[] bytes) {
            try {
                return StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(bytes)).toString();
            } catch (CharacterCodingException e) {
                return Base64.getEncoder().encodeToString(bytes);
            }
        }
        if (value instanceof Date date) {
            return date.toInstant().toString();
        }
        if (value instanceof BigDecimal decimal) {
            return decimal.toPlainString();
        }
        if (value instanceof Map<?, ?> || value instanceof List<?> || value instanceof Object[]) {
            StringBuilder json = new StringBuilder();
            json(value, json);
            return json.toString();
        }
        return String.valueOf(value);
    }

    private static void json(Object value, StringBuilder out) {
        if (value == null) {
            out.append("null");
        } else if (value instanceof Number || value instanceof Boolean) {
            out.append(text(value));
        } else if (value instanceof Map<?, ?> map) {
            Map<String, Object> sorted = new TreeMap<>(); // by name: the same text on every delivery
            map.forEach((name, nested) -> sorted.put(String.valueOf(name), nested));
            out.append('{');
            boolean first = true;
            for (Map.Entry<String, Object> entry : sorted.entrySet()) {
                if (!first) {
                    out.append(',');
                }
                first = false;
                quote(entry.getKey(), out);
                out.append(':');
                json(entry.getValue(), out);
            }
            out.append('}');
        } else if (value instanceof List<?> || value instanceof Object[]) {
            List<?> list = value instanceof List<?> l ? l : Arrays.asList((Object[]) value);
            out.append('[');
            for (int i = 0; i < list.size(); i++) {
                if (i > 0) {
                    out.append(',');
                }
                json(list.get(i), out);
            }
            out.append(']');
        } else {
            quote(text(value), out);
        }
    }

    private static void quote(String text, StringBuilder out) {
        out.append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
